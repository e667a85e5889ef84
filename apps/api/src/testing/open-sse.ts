import { SseParser, type SseMessage } from "@switchyard/client";

/** A raw SSE connection for tests: the answer's status, then each event as it arrives (heartbeats are skipped). */
export type SseConnection = {
  status: number;
  headers: Headers;
  /** The body of an answer that is not a stream. */
  text: () => Promise<string>;
  /** The next event; rejects once the stream closed without one. */
  next: () => Promise<SseMessage>;
  /** Every event until the stream closes. */
  rest: () => Promise<SseMessage[]>;
  close: () => void;
};

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: "text/event-stream", ...headers }, signal: abort.signal });
  if (res.status !== 200) {
    const body = await res.text();
    const closed = () => Promise.reject(new Error("not a stream"));
    return {
      status: res.status,
      headers: res.headers,
      text: async () => body,
      next: closed,
      rest: async () => [],
      close: () => undefined,
    };
  }
  const parser = new SseParser();
  const queue: SseMessage[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let done = false;
  const next = async (): Promise<SseMessage> => {
    while (queue.length === 0) {
      if (done) throw new Error("the stream closed");
      const chunk = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (chunk.done) done = true;
      else queue.push(...parser.push(decoder.decode(chunk.value, { stream: true })));
    }
    return queue.shift()!;
  };
  return {
    status: res.status,
    headers: res.headers,
    text: async () => "",
    next,
    rest: async () => {
      const out: SseMessage[] = [];
      for (;;) {
        try {
          out.push(await next());
        } catch {
          return out;
        }
      }
    },
    close: () => abort.abort(),
  };
}
