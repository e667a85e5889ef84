import type { Scope } from "@switchyard/core/auth/api-key";

// Dispatching and operating runs: the `trigger` scope (docs/security.md). Paths are relative to /api.
const TRIGGER_ROUTES: readonly RegExp[] = [
  /^\/triggers\/manual\/dispatch\/?$/i,
  /^\/triggers\/cron\/dispatch\/?$/i,
  /^\/workflows\/[^/]+\/runs\/?$/i,
  /^\/runs\/[^/]+\/(start|succeed|fail|cancel|retry)\/?$/i,
  /^\/runs\/[^/]+\/signals\/[^/]+\/?$/i,
];

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * The scope a management request needs. Key management is admin only, reads need `read`, the routes above
 * `trigger`, and anything else (every other write, including routes added later) `admin`: new routes fail safe.
 */
export function requiredScope(method: string, path: string): Scope {
  if (/^\/keys(\/|$)/i.test(path)) return "admin";
  // The webhook inbox holds raw payloads: admin only, reads included.
  if (/^\/inbox(\/|$)/i.test(path) || /^\/workflows\/[^/]+\/inbox\/?$/i.test(path)) return "admin";
  // Subscriptions' deliveries hold run payloads: admin only, reads included.
  if (/^\/subscriptions(\/|$)/i.test(path)) return "admin";
  if (SAFE_METHODS.has(method.toUpperCase())) return "read";
  if (method.toUpperCase() === "POST" && TRIGGER_ROUTES.some((r) => r.test(path))) return "trigger";
  return "admin";
}
