import type { Http } from "./http-transport";
import { RUN_EVENT_TYPES, type RunEvent } from "./run-event";
import { SseParser, type SseMessage } from "./sse-parser";
import { ConnectionError, RateLimitedError, RequestTimeoutError, SwitchyardError } from "./switchyard-error";

export type RunEventsOptions = {
  /** Resume after this event (a `RunEvent.id` from an earlier stream): sent as `Last-Event-ID`. */
  lastEventId?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Reconnects in a row that bring no event before the iterator gives up (it then throws); 20 by default. */
  maxReconnects?: number;
  /** The first reconnect's delay, doubled each time up to 5 s (or the server's `retry:`); 250 ms by default. */
  reconnectDelayMs?: number;
  /** A connection that brings nothing, not even a heartbeat (every 15 s), this long is dropped and reopened; 45 s. */
  idleTimeoutMs?: number;
};

const MAX_DELAY_MS = 5_000;

/**
 * Iterates over a run's events as they happen, from `GET /api/runs/{id}/events`, and ends after `end`. A dropped
 * connection (an API restart, a proxy's idle cut, a half-open socket, the server's `error` event) is reopened with
 * `Last-Event-ID`, so every event arrives once and in order. An answer that will not change by retrying (401, 403,
 * 404) rejects at once with its typed error; breaking out of the loop closes the stream.
 */
export async function* streamRunEvents(
  http: Http,
  runId: string,
  opts: RunEventsOptions = {},
): AsyncGenerator<RunEvent, void, undefined> {
  const path = `/api/runs/${encodeURIComponent(runId)}/events`;
  const maxReconnects = opts.maxReconnects ?? 20;
  const idleTimeoutMs = opts.idleTimeoutMs ?? 45_000;
  let lastEventId = opts.lastEventId;
  let failures = 0;
  let serverRetryMs: number | undefined;
  let lastProblem: unknown;

  for (;;) {
    opts.signal?.throwIfAborted();
    const connection = new AbortController();
    const signal = opts.signal === undefined ? connection.signal : AbortSignal.any([opts.signal, connection.signal]);
    let idle: ReturnType<typeof setTimeout> | undefined;
    const armIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(() => connection.abort(new Error(`no data for ${idleTimeoutMs} ms`)), idleTimeoutMs);
    };
    let retryAfterMs: number | undefined;
    try {
      armIdle();
      const headers: Record<string, string> = { accept: "text/event-stream", "cache-control": "no-cache" };
      if (lastEventId !== undefined) headers["last-event-id"] = lastEventId;
      const res = await http.open(path, { headers, signal });
      if (res.body === null) throw new ConnectionError(streamProblem(path, "the answer has no body"));
      const parser = new SseParser(lastEventId);
      const decoder = new TextDecoder();
      const reader = res.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          armIdle();
          for (const message of parser.push(decoder.decode(value, { stream: true }))) {
            if (message.event === "error") {
              lastProblem = new ConnectionError(streamProblem(path, errorDetail(message)));
              throw lastProblem;
            }
            if (message.id !== undefined) lastEventId = message.id;
            const event = toRunEvent(path, message);
            if (event === undefined) continue;
            failures = 0;
            yield event;
            if (event.type === "end") return;
          }
        }
        lastProblem = new ConnectionError(streamProblem(path, "the stream closed before the run's end"));
      } finally {
        serverRetryMs = parser.retryMs;
        reader.cancel().catch(() => undefined);
      }
    } catch (err) {
      opts.signal?.throwIfAborted();
      if (!isRetryable(err)) throw err;
      if (err instanceof RateLimitedError && err.retryAfterSeconds !== null)
        retryAfterMs = err.retryAfterSeconds * 1_000;
      lastProblem = err;
    } finally {
      clearTimeout(idle);
      connection.abort();
    }
    failures++;
    if (failures > maxReconnects) throw lastProblem;
    const backoff = Math.min(MAX_DELAY_MS, (serverRetryMs ?? opts.reconnectDelayMs ?? 250) * 2 ** (failures - 1));
    await sleep(retryAfterMs ?? backoff, opts.signal);
  }
}

function isRetryable(err: unknown): boolean {
  if (err instanceof ConnectionError || err instanceof RequestTimeoutError || err instanceof RateLimitedError) {
    return true;
  }
  if (err instanceof SwitchyardError) return err.status >= 500;
  // A read that failed mid-stream (socket reset, idle abort): the platform's own error.
  return true;
}

function toRunEvent(path: string, message: SseMessage): RunEvent | undefined {
  // Event types added later are passed over, so an older client keeps working against a newer API.
  if (!(RUN_EVENT_TYPES as readonly string[]).includes(message.event)) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(message.data);
  } catch {
    throw new SwitchyardError({ ...streamProblem(path, `event data is not JSON: ${message.data}`), status: 502 });
  }
  return { type: message.event, id: message.id, data } as RunEvent;
}

function errorDetail(message: SseMessage): string {
  try {
    const parsed = JSON.parse(message.data) as { detail?: unknown };
    return `the server ended the stream: ${String(parsed.detail ?? message.data)}`;
  } catch {
    return `the server ended the stream: ${message.data}`;
  }
}

function streamProblem(path: string, detail: string) {
  return { status: 0, code: "connection" as const, detail, method: "GET", path };
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });
}
