import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createRedis } from "../redis";
import { deleteKeys } from "../testing/test-deps";
import { startPrivateRedis, type PrivateRedis } from "../testing/private-redis";
import { createRateLimiter } from "./rate-limiter";

describe("rate limiter", () => {
  const prefix = `syt-${randomBytes(5).toString("hex")}`;
  const redis = createRedis(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379", "producer");
  before(async () => {
    if (redis.status !== "ready") await once(redis, "ready");
  });
  after(async () => {
    await deleteKeys(redis, `${prefix}:*`);
    redis.disconnect();
  });

  it("admits `limit` requests per window and subject, then answers with the seconds left", async () => {
    const limiter = createRateLimiter(redis, prefix, "test");
    for (let i = 0; i < 3; i++) assert.deepEqual(await limiter.consume("a", 3, 60_000), { allowed: true });
    const refused = await limiter.consume("a", 3, 60_000);
    assert.equal(refused?.allowed, false);
    assert.ok(
      refused !== null && !refused.allowed && refused.retryAfterSeconds >= 1 && refused.retryAfterSeconds <= 60,
    );
    assert.deepEqual(await limiter.consume("b", 3, 60_000), { allowed: true }, "another subject has its own budget");
    const ttl = await redis.pttl(`${prefix}:ratelimit:test:{a}`);
    assert.ok(ttl > 0 && ttl <= 60_000);
  });

  it("shares the budget between limiters (processes) on the same prefix", async () => {
    const one = createRateLimiter(redis, prefix, "shared");
    const two = createRateLimiter(redis, prefix, "shared");
    assert.equal((await one.consume("k", 2, 60_000))?.allowed, true);
    assert.equal((await two.consume("k", 2, 60_000))?.allowed, true);
    assert.equal((await one.consume("k", 2, 60_000))?.allowed, false);
  });

  describe("with Redis down", () => {
    let server: PrivateRedis;
    before(async () => {
      server = await startPrivateRedis();
    });
    after(async () => {
      await server.stop();
    });

    it("answers null instead of throwing", async () => {
      const conn = createRedis(server.url, "producer");
      try {
        if (conn.status !== "ready") await once(conn, "ready");
        const limiter = createRateLimiter(conn, prefix, "down");
        assert.equal((await limiter.consume("k", 1, 60_000))?.allowed, true);
        await server.kill();
        assert.equal(await limiter.consume("k", 1, 60_000), null);
      } finally {
        conn.disconnect();
      }
    });
  });
});
