import type { RedisConnection } from "../redis";

/**
 * A fixed window per key, atomic across every API process: INCR, and PEXPIRE when the window opens.
 * KEYS[1] the counter. ARGV[1] window ms. Returns {count, ms left in the window}.
 */
const CONSUME_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export type RateLimiter = {
  /** Counts one request for `subject`; null when Redis could not answer (the caller decides: fail open or closed). */
  consume: (subject: string, limit: number, windowMs: number) => Promise<RateDecision | null>;
};

type LimiterRedis = RedisConnection & {
  switchyardRateConsume: (key: string, windowMs: number) => Promise<[number, number]>;
};

/** Counters live under `${prefix}:ratelimit:${name}:{subject}`. */
export function createRateLimiter(redis: RedisConnection, prefix: string, name: string): RateLimiter {
  const r = redis as LimiterRedis;
  if (typeof r.switchyardRateConsume !== "function") {
    redis.defineCommand("switchyardRateConsume", { numberOfKeys: 1, lua: CONSUME_SCRIPT });
  }
  return {
    consume: async (subject, limit, windowMs) => {
      let result: [number, number];
      try {
        result = await r.switchyardRateConsume(`${prefix}:ratelimit:${name}:{${subject}}`, windowMs);
      } catch {
        return null;
      }
      const [count, ttl] = result;
      if (count <= limit) return { allowed: true };
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(ttl / 1000)) };
    },
  };
}
