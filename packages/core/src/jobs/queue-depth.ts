import type { Queue } from "bullmq";
import type { Queues } from "./queues";

const STATES = ["waiting", "active", "delayed", "prioritized", "failed", "completed"] as const;

export type QueueDepth = {
  name: string;
  /** null when Redis did not answer within the timeout (the reason is in `error`). */
  counts: Record<(typeof STATES)[number], number> | null;
  error?: string;
};

async function countJobs(queue: Queue, timeoutMs: number): Promise<QueueDepth> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const counts = await Promise.race([
      queue.getJobCounts(...STATES),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer from Redis within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return {
      name: queue.name,
      counts: Object.fromEntries(STATES.map((s) => [s, counts[s] ?? 0])) as QueueDepth["counts"],
    };
  } catch (err) {
    return { name: queue.name, counts: null, error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** Job counts per state of every queue; a queue Redis does not answer for within `timeoutMs` reads as unavailable. */
export async function getQueueDepths(queues: Pick<Queues, "runs" | "beat">, timeoutMs = 2_000): Promise<QueueDepth[]> {
  return Promise.all([countJobs(queues.runs, timeoutMs), countJobs(queues.beat, timeoutMs)]);
}
