import { setTimeout as sleep } from "node:timers/promises";
import { isDbUnavailable } from "./db-errors";
import type { Logger } from "./logger";

export type DbRetryOptions = {
  /** Gives up (rethrows the last error) once this much time has passed since the first try. */
  maxMs: number;
  logger?: Logger;
  /** Log metadata (`runId`, `jobId`) for the retry warnings. */
  meta?: Record<string, unknown>;
  /** Stops the retries early (the job is shutting down or was cancelled): the last error is rethrown. */
  signal?: AbortSignal;
  /** Defaults: 100 ms doubling to 5 s. */
  initialDelayMs?: number;
  maxDelayMs?: number;
};

/**
 * Runs `fn`, and again with capped exponential backoff while it fails with a connection-class error (Postgres
 * down or restarting), until it succeeds or `maxMs` has passed. Any other error is rethrown at once. `fn` gets the
 * number of the try (0 first): a write whose reply may have been lost checks on later tries whether it already
 * took effect. The first try costs nothing extra.
 */
export async function withDbRetry<T>(fn: (attempt: number) => Promise<T>, options: DbRetryOptions): Promise<T> {
  const started = Date.now();
  const initial = options.initialDelayMs ?? 100;
  const cap = options.maxDelayMs ?? 5_000;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const elapsed = Date.now() - started;
      if (!isDbUnavailable(err) || elapsed >= options.maxMs || options.signal?.aborted === true) throw err;
      // Full jitter keeps many workers from hammering a Postgres that is just coming back, all at the same instant.
      const delay = Math.min(cap, initial * 2 ** Math.min(attempt, 16), options.maxMs - elapsed);
      const wait = Math.max(10, Math.round(delay / 2 + (Math.random() * delay) / 2));
      options.logger?.warn("database unavailable, retrying", {
        ...options.meta,
        attempt: attempt + 1,
        retryInMs: wait,
        err: err instanceof Error ? err.message : String(err),
      });
      await sleep(wait, undefined, options.signal === undefined ? undefined : { signal: options.signal }).catch(() => {
        throw err;
      });
    }
  }
}
