import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Whether a scrape may read the metrics: always when no METRICS_TOKEN is set (like the probes), otherwise only
 * with `Authorization: Bearer <token>`. Compared as digests, so neither length nor content leaks through timing.
 */
export function isMetricsScrapeAllowed(authorization: string | undefined, token: string | undefined): boolean {
  if (token === undefined) return true;
  const match = /^Bearer\s+(.+)$/i.exec(authorization?.trim() ?? "");
  if (match === null) return false;
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(match[1]!), digest(token));
}
