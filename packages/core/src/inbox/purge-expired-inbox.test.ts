import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createTestDeps } from "../testing/test-deps";
import { purgeExpiredInbox } from "./purge-expired-inbox";

const DAY = 86_400_000;

describe("purgeExpiredInbox", () => {
  it("deletes the entries older than INBOX_RETENTION_DAYS, in batches, and keeps the newer ones", async (t) => {
    const deps = await createTestDeps({ INBOX_RETENTION_DAYS: "7", RETENTION_BATCH_SIZE: "2" });
    t.after(() => deps.close());
    const now = new Date();
    const workflowId = randomUUID();
    const ages = [8, 9, 10, 30, 6, 1];
    for (const days of ages) {
      await deps.db.pool.query(
        `INSERT INTO webhook_inbox (id, workflow_id, received_at, method, path, body, body_size, outcome, status)
         VALUES ($1, $2, $3, 'POST', '/', '\\x00ff'::bytea, 2, 'rejected', 401)`,
        [randomUUID(), workflowId, new Date(now.getTime() - days * DAY)],
      );
    }
    assert.equal(await purgeExpiredInbox(deps, now), 4);
    const { rows } = await deps.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM webhook_inbox");
    assert.equal(rows[0]!.n, 2);
  });
});
