import { createHash } from "node:crypto";
import type { RedisConnection } from "../redis";
import type { Config } from "../config";
import type { Logger } from "../logger";
import { createRateLimiter } from "./rate-limiter";

/**
 * Who is signing in: the client's address, and the name the credential gives when it gives one (a Basic user
 * name, or a stored key's public prefix).
 */
export type SignInAttempt = { ip: string; name?: string | undefined };

/** A sign-in refused before or after its credential was checked: answered 429 with `Retry-After`. */
export type SignInRefusal = { reason: "address" | "name"; retryAfterSeconds: number };

export type AuthThrottle = {
  /**
   * Before the credential is checked, from this process's memory alone (a valid key pays nothing more): a refusal
   * while the address is locked out, or while the name is locked out and this address has failed itself.
   */
  check: (attempt: SignInAttempt) => SignInRefusal | null;
  /** After a credential was refused: counts the failure per address and per name in Redis; a refusal past a limit. */
  recordFailure: (attempt: SignInAttempt) => Promise<SignInRefusal | null>;
};

/** The most addresses and names each process remembers; past it the oldest are forgotten. */
const MAX_REMEMBERED = 10_000;

/**
 * Throttles failed sign-ins (API keys, tokens, dashboard and Bull Board passwords), counted in Redis under
 * `${QUEUE_PREFIX}:ratelimit:authfail-ip:{<address>}` and `…:authfail-name:{<hash of the name>}` so every API
 * process shares the counts: fixed windows of
 * AUTH_FAILURE_WINDOW_SECONDS from a subject's first failure. Past AUTH_FAILURES_PER_IP failures an address is
 * refused whatever it sends, until its window ends. Past AUTH_FAILURES_PER_USERNAME failures a name is refused too,
 * but only to addresses that have failed themselves: an attacker guessing one user's password from many addresses
 * gets one guess per address, and cannot lock that user out of a clean address (docs/security.md).
 *
 * The lockouts are kept in each process's memory, learnt from the failures it counts; a locked-out client that
 * turns to another API process gets one more refused guess there before that process knows. Fails open while
 * Redis is down (one warning per outage): sign-ins are then only checked, not throttled.
 */
export function createAuthThrottle(deps: {
  config: Pick<
    Config,
    "QUEUE_PREFIX" | "AUTH_FAILURES_PER_IP" | "AUTH_FAILURES_PER_USERNAME" | "AUTH_FAILURE_WINDOW_SECONDS"
  >;
  redis: RedisConnection;
  logger: Logger;
}): AuthThrottle {
  const { AUTH_FAILURES_PER_IP: ipLimit, AUTH_FAILURES_PER_USERNAME: nameLimit } = deps.config;
  const windowMs = deps.config.AUTH_FAILURE_WINDOW_SECONDS * 1000;
  const byIp = createRateLimiter(deps.redis, deps.config.QUEUE_PREFIX, "authfail-ip");
  const byName = createRateLimiter(deps.redis, deps.config.QUEUE_PREFIX, "authfail-name");
  const lockedIps = new Map<string, number>();
  const lockedNames = new Map<string, number>();
  const failedIps = new Map<string, number>();
  let failingOpen = false;

  const until = (map: Map<string, number>, key: string, now: number) => {
    const at = map.get(key);
    if (at === undefined) return 0;
    if (at > now) return at;
    map.delete(key);
    return 0;
  };
  const refusal = (reason: SignInRefusal["reason"], at: number, now: number): SignInRefusal => ({
    reason,
    retryAfterSeconds: Math.max(1, Math.ceil((at - now) / 1000)),
  });

  return {
    check: ({ ip, name }) => {
      if (lockedIps.size + lockedNames.size === 0) return null;
      const now = Date.now();
      const ipAt = until(lockedIps, ip, now);
      if (ipAt > 0) return refusal("address", ipAt, now);
      const nameAt = name === undefined || lockedNames.size === 0 ? 0 : until(lockedNames, nameKey(name), now);
      if (nameAt > 0 && until(failedIps, ip, now) > 0) return refusal("name", nameAt, now);
      return null;
    },
    recordFailure: async ({ ip, name }) => {
      remember(failedIps, ip, Date.now() + windowMs);
      const [ipDecision, nameDecision] = await Promise.all([
        ipLimit === 0 ? null : byIp.consume(ip, ipLimit, windowMs),
        nameLimit === 0 || name === undefined ? null : byName.consume(nameKey(name), nameLimit, windowMs),
      ]);
      const unavailable =
        (ipLimit > 0 && ipDecision === null) || (nameLimit > 0 && name !== undefined && nameDecision === null);
      if (unavailable && !failingOpen) deps.logger.warn("sign-in throttle unavailable, failing open");
      if (!unavailable && failingOpen) deps.logger.info("sign-in throttle available again");
      failingOpen = unavailable;
      const now = Date.now();
      if (ipDecision?.allowed === false) {
        const at = now + ipDecision.retryAfterSeconds * 1000;
        remember(lockedIps, ip, at);
        deps.logger.warn("sign-ins locked out for an address", { ip, retryAfterSeconds: ipDecision.retryAfterSeconds });
        return refusal("address", at, now);
      }
      if (nameDecision?.allowed === false && name !== undefined) {
        const at = now + nameDecision.retryAfterSeconds * 1000;
        remember(lockedNames, nameKey(name), at);
        deps.logger.warn("sign-ins locked out for a name", {
          name: name.slice(0, 200),
          retryAfterSeconds: nameDecision.retryAfterSeconds,
        });
        return refusal("name", at, now);
      }
      return null;
    },
  };
}

/** A name as its counter's key and in memory: whatever the client sent, a short string of key-safe characters. */
function nameKey(name: string): string {
  return createHash("sha256").update(name).digest("base64url").slice(0, 22);
}

/** Sets `key`, keeping the map within MAX_REMEMBERED entries (expired ones go first, then the oldest). */
function remember(map: Map<string, number>, key: string, until: number): void {
  map.delete(key);
  if (map.size >= MAX_REMEMBERED) {
    const now = Date.now();
    for (const [k, at] of map) if (at <= now) map.delete(k);
    while (map.size >= MAX_REMEMBERED) map.delete(map.keys().next().value!);
  }
  map.set(key, until);
}
