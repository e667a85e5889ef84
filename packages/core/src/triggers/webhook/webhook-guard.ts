import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { ServiceUnavailableError } from "../../errors";
import type { WebhookRateLimit } from "./webhook-config";

/**
 * Replay check, rate-limit check and recording in one script, so they are atomic across every API process:
 * a replayed signature (→ 401) is refused before the rate limit is looked at and consumes no quota, and a
 * rate-limited delivery (→ 429) does not record its signature, so the sender's retry is not taken for a
 * replay. Redis's own clock drives the sliding window, so API hosts with skewed clocks agree.
 *
 * KEYS[1] replay key, KEYS[2] rate-limit sorted set.
 * ARGV: [1] check replay (1/0), [2] replay TTL ms, [3] limit (0: none), [4] interval ms, [5] unique member.
 * Returns 0 admitted, 1 replay, 2 rate limited.
 */
const ADMIT_SCRIPT = `
if ARGV[1] == '1' and redis.call('EXISTS', KEYS[1]) == 1 then return 1 end
local limit = tonumber(ARGV[3])
if limit > 0 then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local interval = tonumber(ARGV[4])
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - interval)
  if redis.call('ZCARD', KEYS[2]) >= limit then return 2 end
  redis.call('ZADD', KEYS[2], now, ARGV[5])
  redis.call('PEXPIRE', KEYS[2], interval)
end
if ARGV[1] == '1' then redis.call('SET', KEYS[1], '1', 'PX', ARGV[2]) end
return 0
`;

export type AdmitDecision = "admitted" | "replay" | "rate_limited";

export type AdmitRequest = {
  workflowId: string;
  /** The accepted HMAC digest (hex), or null when the delivery is not signed. */
  signature: string | null;
  replayWindowSeconds: number;
  rateLimit: WebhookRateLimit | null;
};

export type WebhookGuard = {
  admit: (req: AdmitRequest) => Promise<AdmitDecision>;
  /** Forgets an admitted signature, so a sender may retry a delivery that failed on our side. */
  forgetSignature: (workflowId: string, signature: string) => Promise<void>;
};

type GuardRedis = Redis & {
  switchyardWebhookAdmit: (replayKey: string, rateKey: string, ...args: (string | number)[]) => Promise<number>;
};

/** Keys live under `${prefix}:webhook:`; the `{workflowId}` hash tag keeps a workflow's keys in one slot. */
export function createWebhookGuard(redis: Redis, prefix: string): WebhookGuard {
  const r = redis as GuardRedis;
  // defineCommand loads the script once (EVALSHA, falling back to EVAL after a Redis restart).
  if (typeof r.switchyardWebhookAdmit !== "function") {
    redis.defineCommand("switchyardWebhookAdmit", { numberOfKeys: 2, lua: ADMIT_SCRIPT });
  }
  const replayKey = (workflowId: string, signature: string) => `${prefix}:webhook:{${workflowId}}:sig:${signature}`;
  const rateKey = (workflowId: string) => `${prefix}:webhook:{${workflowId}}:rate`;

  return {
    admit: async ({ workflowId, signature, replayWindowSeconds, rateLimit }) => {
      // Neither check configured: no round trip on the hot path.
      if (signature === null && rateLimit === null) return "admitted";
      // Fail closed: without Redis neither replays nor the rate limit can be checked.
      const result = await r
        .switchyardWebhookAdmit(
          replayKey(workflowId, signature ?? "-"),
          rateKey(workflowId),
          signature === null ? "0" : "1",
          Math.max(1, replayWindowSeconds) * 1000,
          rateLimit?.limit ?? 0,
          (rateLimit?.interval_seconds ?? 1) * 1000,
          randomBytes(8).toString("hex"),
        )
        .catch((err: unknown) => {
          throw new ServiceUnavailableError(err);
        });
      return result === 1 ? "replay" : result === 2 ? "rate_limited" : "admitted";
    },
    forgetSignature: async (workflowId, signature) => {
      await redis.del(replayKey(workflowId, signature));
    },
  };
}
