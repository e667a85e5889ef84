import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createTestDeps } from "../testing/test-deps";
import { purgeExpiredDeliveries } from "./purge-expired-deliveries";

const DAY = 86_400_000;

describe("purgeExpiredDeliveries", () => {
  it("deletes finished deliveries and missed cron occurrences past their retention, never a pending one", async (t) => {
    const deps = await createTestDeps({
      DELIVERY_RETENTION_DAYS: "7",
      CRON_MISSED_RETENTION_DAYS: "30",
      RETENTION_BATCH_SIZE: "2",
    });
    t.after(() => deps.close());
    const now = new Date();
    const ago = (days: number) => new Date(now.getTime() - days * DAY);
    const subscriptionId = randomUUID();
    await deps.db.pool.query(
      `INSERT INTO event_subscriptions (id, url, events, secret, created_by)
       VALUES ($1, 'http://127.0.0.1:1/', '{run.failed}', 'x', 'test')`,
      [subscriptionId],
    );
    const rows: [string, number][] = [
      ["delivered", 8],
      ["failed", 9],
      ["delivered", 40],
      ["delivered", 6],
      ["failed", 1],
      ["pending", 100],
    ];
    for (const [status, days] of rows) {
      const id = randomUUID();
      await deps.db.pool.query(
        `INSERT INTO event_deliveries (id, subscription_id, event_type, body, status, created_at, finished_at)
         VALUES ($1, $2, 'run.failed', '{}', $3, $4, CASE WHEN $3 = 'pending' THEN NULL ELSE $4::timestamptz END)`,
        [id, subscriptionId, status, ago(days)],
      );
      await deps.db.pool.query(
        `INSERT INTO event_delivery_attempts (delivery_id, attempt, outcome, duration_ms) VALUES ($1, 1, 'failed', 1)`,
        [id],
      );
    }
    const workflowId = randomUUID();
    for (const days of [31, 45, 29]) {
      await deps.db.pool.query(
        `INSERT INTO cron_missed_occurrences (workflow_id, scheduled_for, reason, raised_at) VALUES ($1, $2, 'failed', $2)`,
        [workflowId, ago(days)],
      );
    }
    assert.deepEqual(await purgeExpiredDeliveries(deps, now), { deliveries: 3, cronMissed: 2 });
    const left = await deps.db.pool.query<{ status: string }>("SELECT status FROM event_deliveries ORDER BY status");
    assert.deepEqual(
      left.rows.map((r) => r.status),
      ["delivered", "failed", "pending"],
    );
    const attempts = await deps.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM event_delivery_attempts");
    assert.equal(attempts.rows[0]!.n, 3);
    const missed = await deps.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM cron_missed_occurrences");
    assert.equal(missed.rows[0]!.n, 1);
  });
});
