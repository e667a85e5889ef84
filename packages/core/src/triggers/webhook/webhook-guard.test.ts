import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { ServiceUnavailableError } from "../../errors";
import { createRedis } from "../../redis";
import { createWebhookGuard, type WebhookGuard } from "./webhook-guard";

describe("createWebhookGuard", () => {
  const prefix = `syt-guard-${randomBytes(4).toString("hex")}`;
  let redis: Redis;
  let guard: WebhookGuard;
  before(async () => {
    redis = createRedis(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379", "producer");
    if (redis.status !== "ready") await new Promise((resolve) => redis.once("ready", resolve));
    guard = createWebhookGuard(redis, prefix);
  });
  after(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  const rateLimit = { limit: 2, interval_seconds: 60 };

  it("rejects a replayed signature before counting it against the rate limit", async () => {
    const workflowId = randomUUID();
    const admit = (signature: string | null) =>
      guard.admit({ workflowId, signature, replayWindowSeconds: 300, rateLimit });
    assert.equal(await admit("aa"), "admitted");
    assert.equal(await admit("aa"), "replay");
    assert.equal(await admit("bb"), "admitted");
    assert.equal(await admit("cc"), "rate_limited");
    // Neither the replay nor the rate-limited delivery was recorded.
    assert.equal(await redis.zcard(`${prefix}:webhook:{${workflowId}}:rate`), 2);
    assert.equal(await redis.exists(`${prefix}:webhook:{${workflowId}}:sig:cc`), 0);
  });

  it("keeps each workflow's counters apart and forgets a signature on request", async () => {
    const a = randomUUID();
    const b = randomUUID();
    assert.equal(
      await guard.admit({ workflowId: a, signature: "dd", replayWindowSeconds: 300, rateLimit: null }),
      "admitted",
    );
    assert.equal(
      await guard.admit({ workflowId: b, signature: "dd", replayWindowSeconds: 300, rateLimit: null }),
      "admitted",
    );
    await guard.forgetSignature(a, "dd");
    assert.equal(
      await guard.admit({ workflowId: a, signature: "dd", replayWindowSeconds: 300, rateLimit: null }),
      "admitted",
    );
  });

  it("fails closed with 503 when Redis is unreachable", async () => {
    const down = createRedis("redis://127.0.0.1:1", "producer", { retryStrategy: () => null });
    down.on("error", () => undefined);
    try {
      const closed = createWebhookGuard(down, prefix);
      await assert.rejects(
        closed.admit({ workflowId: randomUUID(), signature: "ee", replayWindowSeconds: 300, rateLimit: null }),
        ServiceUnavailableError,
      );
    } finally {
      down.disconnect();
    }
  });
});
