import { randomBytes } from "node:crypto";
import type { RedisConnection } from "../../redis";
import { coalescePerTurn } from "../../coalesce";
import { queryRows, type Queryable } from "../../db";
import type { Logger } from "../../logger";
import type { WebhookRateLimit } from "./webhook-config";

/**
 * Sliding-window rate limit in one script, atomic across every API process; Redis's own clock drives the window,
 * so API hosts with skewed clocks agree. Admits up to ARGV[3] deliveries at once (those of one event-loop turn).
 * KEYS[1] the sorted set; ARGV: [1] limit, [2] interval ms, [3] deliveries, [4] a unique member prefix. Returns how
 * many are admitted (the first ones; the others are rate limited and record nothing).
 */
const RATE_LIMIT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - interval)
local admit = math.min(tonumber(ARGV[3]), tonumber(ARGV[1]) - redis.call('ZCARD', KEYS[1]))
if admit <= 0 then return 0 end
for i = 1, admit do redis.call('ZADD', KEYS[1], now, ARGV[4] .. i) end
redis.call('PEXPIRE', KEYS[1], interval)
return admit
`;

/**
 * Records an accepted signature until its window ends; no row back means it is already there and unexpired (a
 * replay). A concurrent duplicate waits on the first one's row and then sees it. A few expired rows of the same
 * workflow are purged on the way, so the table stays as small as the traffic of one window.
 */
const RECORD_SIGNATURE_SQL = `WITH purge AS (
       DELETE FROM webhook_signatures
       WHERE ctid = ANY(ARRAY(SELECT ctid FROM webhook_signatures
                              WHERE workflow_id = $1::uuid AND expires_at < clock_timestamp() AND signature <> $2
                              LIMIT 20))
     ), ins AS (
       INSERT INTO webhook_signatures (workflow_id, signature, expires_at)
       VALUES ($1::uuid, $2, clock_timestamp() + $3::int * interval '1 millisecond')
       ON CONFLICT (workflow_id, signature) DO UPDATE SET expires_at = EXCLUDED.expires_at
         WHERE webhook_signatures.expires_at <= clock_timestamp()
       RETURNING 1
     )
     SELECT count(*)::int AS n FROM ins`;

export type WebhookGuard = {
  /**
   * Replay protection in Postgres: records `signature` in `tx` (the delivery's own transaction, so a delivery that
   * fails or is refused later records nothing) and returns false when it was already accepted within its window.
   */
  recordSignature: (tx: Queryable, workflowId: string, signature: string, windowSeconds: number) => Promise<boolean>;
  /**
   * The workflow's rate limit in Redis: false when the delivery is over it. Fails open: while Redis is unreachable
   * the delivery is admitted (a warning when that starts, an info line when it ends), since refusing every webhook
   * is worse than a limit not applied.
   */
  withinRateLimit: (workflowId: string, rateLimit: WebhookRateLimit) => Promise<boolean>;
};

type GuardRedis = RedisConnection & {
  switchyardWebhookRateLimit: (rateKey: string, ...args: (string | number)[]) => Promise<number>;
};

type RateCheck = { workflowId: string; rateLimit: WebhookRateLimit };

/** Rate-limit keys live under `${prefix}:webhook:`; the `{workflowId}` hash tag keeps a workflow's keys in one slot. */
export function createWebhookGuard(redis: RedisConnection, prefix: string, logger?: Logger): WebhookGuard {
  const r = redis as GuardRedis;
  // defineCommand loads the script once (EVALSHA, falling back to EVAL after a Redis restart).
  if (typeof r.switchyardWebhookRateLimit !== "function") {
    redis.defineCommand("switchyardWebhookRateLimit", { numberOfKeys: 1, lua: RATE_LIMIT_SCRIPT });
  }
  const rateKey = (workflowId: string) => `${prefix}:webhook:{${workflowId}}:rate`;
  // Every workflow has a limit (WEBHOOK_DEFAULT_RATE_LIMIT), so each delivery asks: the deliveries of one workflow
  // arriving in one event-loop turn share one script call, and then reach their inserts together, as before.
  const admit = coalescePerTurn<RateCheck, boolean>({
    key: ({ workflowId, rateLimit }) => `${workflowId}:${rateLimit.limit}:${rateLimit.interval_seconds}`,
    settle: async (checks) => {
      const { workflowId, rateLimit } = checks[0]!;
      const admitted = await r.switchyardWebhookRateLimit(
        rateKey(workflowId),
        rateLimit.limit,
        rateLimit.interval_seconds * 1000,
        checks.length,
        `${randomBytes(8).toString("hex")}:`,
      );
      return checks.map((_, i) => i < admitted);
    },
    // A lost reply may have recorded the batch: failing open is the answer then, not a second count.
    retryAlone: () => false,
  });
  // One warning per outage, not one per delivery.
  let failingOpen = false;

  return {
    recordSignature: async (tx, workflowId, signature, windowSeconds) => {
      const rows = await queryRows<{ n: number }>(
        tx,
        RECORD_SIGNATURE_SQL,
        [workflowId, signature, Math.max(1, windowSeconds) * 1000],
        true,
      );
      return (rows[0]?.n ?? 0) > 0;
    },
    withinRateLimit: async (workflowId, rateLimit) => {
      try {
        const admitted = await admit({ workflowId, rateLimit });
        if (failingOpen) logger?.info("webhook rate limit applied again");
        failingOpen = false;
        return admitted;
      } catch (err) {
        if (!failingOpen) {
          logger?.warn("webhook rate limit not applied: redis unavailable", {
            workflowId,
            err: err instanceof Error ? err.message : String(err),
          });
        }
        failingOpen = true;
        return true;
      }
    },
  };
}
