import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { withTransaction } from "../../db";
import { createRedis } from "../../redis";
import { createTestDeps, type TestDeps } from "../../testing/test-deps";
import { createWebhookGuard, type WebhookGuard } from "./webhook-guard";

describe("createWebhookGuard", () => {
  let deps: TestDeps;
  let guard: WebhookGuard;
  before(async () => {
    deps = await createTestDeps();
    guard = createWebhookGuard(deps.redis, deps.config.QUEUE_PREFIX);
  });
  after(() => deps.close());

  const record = (workflowId: string, signature: string, windowSeconds = 300) =>
    guard.recordSignature(deps.db, workflowId, signature, windowSeconds);

  it("refuses a signature already accepted within its window, per workflow", async () => {
    const a = randomUUID();
    const b = randomUUID();
    assert.equal(await record(a, "aa"), true);
    assert.equal(await record(a, "aa"), false);
    assert.equal(await record(b, "aa"), true);
  });

  it("accepts a signature again once its window has passed", async () => {
    const a = randomUUID();
    assert.equal(await record(a, "bb"), true);
    await deps.db.webhookSignature.updateMany({
      where: { workflowId: a },
      data: { expiresAt: new Date(Date.now() - 1) },
    });
    assert.equal(await record(a, "bb"), true);
  });

  it("records nothing when the delivery's transaction rolls back", async () => {
    const a = randomUUID();
    await assert.rejects(
      withTransaction(deps.db, async (tx) => {
        assert.equal(await guard.recordSignature(tx, a, "cc", 300), true);
        throw new Error("refused later");
      }),
    );
    assert.equal(await record(a, "cc"), true);
  });

  it("lets one of many concurrent deliveries of a signature through", async () => {
    const a = randomUUID();
    const results = await Promise.all(Array.from({ length: 10 }, () => record(a, "dd")));
    assert.equal(results.filter(Boolean).length, 1);
  });

  it("applies the rate limit per workflow, and records nothing over it", async () => {
    const a = randomUUID();
    const limit = { limit: 2, interval_seconds: 60 };
    assert.deepEqual(
      [
        await guard.withinRateLimit(a, limit),
        await guard.withinRateLimit(a, limit),
        await guard.withinRateLimit(a, limit),
      ],
      [true, true, false],
    );
    assert.equal(await deps.redis.zcard(`${deps.config.QUEUE_PREFIX}:webhook:{${a}}:rate`), 2);
    assert.equal(await guard.withinRateLimit(randomUUID(), limit), true);
  });

  it("fails open on the rate limit when Redis is unreachable", async () => {
    const down = createRedis("redis://127.0.0.1:1", "producer", { retryStrategy: () => null });
    down.on("error", () => undefined);
    try {
      const open = createWebhookGuard(down, deps.config.QUEUE_PREFIX);
      assert.equal(await open.withinRateLimit(randomUUID(), { limit: 1, interval_seconds: 60 }), true);
    } finally {
      down.disconnect();
    }
  });
});
