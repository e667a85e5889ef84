import type { NodeRetry } from "./graph";

/**
 * Delay before try `attempt + 1` after try `attempt` failed: initial × factor^(attempt-1), capped, then
 * spread by ± jitter_factor so retries of many runs do not land together. `random` is in [0, 1).
 */
export function retryDelayMs(retry: NodeRetry, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(retry.initial_delay_seconds * retry.backoff_factor ** (attempt - 1), retry.max_delay_seconds);
  const jittered = base * (1 + retry.jitter_factor * (2 * random() - 1));
  return Math.max(0, Math.round(jittered * 1_000));
}
