/**
 * `p`, or a rejection with `message` once `ms` have passed. A late answer (or error) of `p` is dropped, never left
 * unhandled. For reads that must not hang a caller while a store is away (probes, scrapes, dashboards).
 */
export async function withTimeout<T>(p: Promise<T>, ms: number, message = `no answer within ${ms} ms`): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  p.catch(() => undefined);
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
