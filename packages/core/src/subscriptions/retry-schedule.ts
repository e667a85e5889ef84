/** After the 1st, 2nd, ... failed attempt of a delivery, its next one comes this much later; then every 4 h. */
export const RETRY_DELAYS_MS = [5_000, 15_000, 60_000, 300_000, 1_800_000, 7_200_000] as const;
export const LATER_RETRY_MS = 4 * 3_600_000;
/** No attempt is scheduled past this long after the first one: the delivery is failed instead. */
export const RETRY_WINDOW_MS = 24 * 3_600_000;
/** A subscription failing this long without a success in between is disabled. */
export const DISABLE_AFTER_MS = 24 * 3_600_000;
/** ±10% of every delay. */
const JITTER = 0.1;

export type RetryOptions = {
  /** Failed attempts of the current schedule before this one (0: the first failure). */
  step: number;
  firstAttemptAt: Date;
  now: Date;
  /** SUBSCRIPTION_RETRY_SCALE: multiplies the delays and the window (1 in production). */
  scale?: number;
  /** In [0, 1): the jitter's draw. */
  random?: () => number;
};

/** The delay before the next attempt after the (step+1)-th failure, jitter not applied. */
export function retryDelayMs(step: number): number {
  return RETRY_DELAYS_MS[step] ?? LATER_RETRY_MS;
}

/**
 * When a delivery whose attempt just failed is tried again, or null when that would be more than the window past
 * its first attempt (the delivery is then failed). Pure: the clock and the jitter's draw are arguments.
 */
export function nextAttemptAt({
  step,
  firstAttemptAt,
  now,
  scale = 1,
  random = Math.random,
}: RetryOptions): Date | null {
  const delay = retryDelayMs(step) * scale * (1 - JITTER + 2 * JITTER * random());
  const next = now.getTime() + delay;
  if (next - firstAttemptAt.getTime() > RETRY_WINDOW_MS * scale) return null;
  return new Date(next);
}
