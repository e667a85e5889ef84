import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createTestDeps, type TestDeps } from "../testing/test-deps";
import type { SqlTransaction } from "../db";
import { createPendingRuns, createTestWorkflow, startTransition, succeedTransition } from "../testing/run-fixtures";
import { transitionRuns } from "./transition-run";

/**
 * A new database's runs table is tiny, and a plan chosen then must not stay: the batch statement of a busy worker
 * would scan every run on each batch once the table has grown.
 */
describe("transitionRuns on a table that grew after its first batches", () => {
  let deps: TestDeps;
  let client: SqlTransaction;
  let workflow: { workflowId: string; workflowVersionId: string };
  before(async () => {
    deps = await createTestDeps();
    workflow = await createTestWorkflow(deps.db, { name: "plans" });
    // One connection: plans are cached per connection.
    client = await deps.db.pool.connect();
  });
  after(async () => {
    client.release();
    await deps.close();
  });

  const pendingRuns = (n: number) => createPendingRuns(deps.db, workflow, n);
  // Finishing runs that are still pending: the guard refuses them, the statement still reads them and writes steps.
  const finish = (runId: string) => succeedTransition(runId, {});

  it("reads the batch's runs through the primary key, not by scanning the table", async () => {
    const early = await pendingRuns(3);
    // More executions than Postgres plans before it settles on a generic plan for a prepared statement.
    for (let i = 0; i < 8; i++) {
      assert.deepEqual(await transitionRuns(client, early.map(finish)), [null, null, null]);
    }
    await client.query(
      `INSERT INTO runs (id, workflow_id, workflow_version_id, status, triggered_by, input_payload, attempt, created_at,
                         updated_at, completed_at)
       SELECT gen_random_uuid(), $1, $2, 'succeeded', 'manual', '{}', 1, now(), now(), now()
       FROM generate_series(1, 20000)`,
      [workflow.workflowId, workflow.workflowVersionId],
    );
    const batch = await pendingRuns(3);
    for (const transitions of [batch.map(startTransition), batch.map(finish)]) {
      await client.query("BEGIN");
      try {
        const results = await transitionRuns(client, transitions);
        assert.equal(results.filter((r) => r !== null).length, 3);
        const { rows } = await client.query<{ read: string }>(
          `SELECT seq_tup_read::text AS read FROM pg_stat_xact_user_tables WHERE relname = 'runs'`,
        );
        assert.ok(Number(rows[0]?.read) < 1_000, `the statement read ${rows[0]?.read} runs by sequential scan`);
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        throw err;
      }
    }
  });
});
