import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { SqlTransaction } from "../db";
import { createTestDeps, type TestDeps } from "../testing/test-deps";
import { createPendingRuns, createTestWorkflow } from "../testing/run-fixtures";
import { START_CURSOR } from "./run-event-cursor";
import { READ_FUNCTION_SOURCE, readRunEvents } from "./read-run-events";

/**
 * The event streams' read is prepared, so the plan it settles on in a new database's first seconds stays: it must
 * read each stream's run, entries and steps by index once the tables have grown, not scan them.
 */
describe("readRunEvents on tables that grew after its first reads", () => {
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

  it("reads the streams' runs, audit entries and steps by index, not by scanning the tables", async () => {
    const early = await createPendingRuns(deps.db, workflow, 3);
    const reads = (ids: string[]) => ids.map((runId) => ({ runId, cursor: START_CURSOR }));
    // More executions than Postgres plans before it settles on a generic plan for a prepared statement.
    for (let i = 0; i < 8; i++) assert.equal((await readRunEvents(client, reads(early))).length, 3);
    await client.query(
      `WITH r AS (
         INSERT INTO runs (id, workflow_id, workflow_version_id, status, triggered_by, input_payload, attempt,
                           created_at, updated_at, completed_at)
         SELECT gen_random_uuid(), $1, $2, 'succeeded', 'manual', '{}', 1, now(), now(), now()
         FROM generate_series(1, 20000)
         RETURNING id
       ), a AS (
         INSERT INTO run_audit_entries (run_id, actor, action, at, metadata)
         SELECT id, 'test', action, now(), '{}' FROM r, unnest(ARRAY['run_created', 'run_started', 'run_succeeded']) action
       )
       INSERT INTO run_steps (run_id, node_id, attempt, status, output, started_at, finished_at)
       SELECT id, 'a', 1, 'succeeded', '{}', now(), now() FROM r`,
      [workflow.workflowId, workflow.workflowVersionId],
    );
    const later = await createPendingRuns(deps.db, workflow, 3);
    await client.query("BEGIN");
    try {
      const batches = await readRunEvents(client, reads(later));
      assert.deepEqual(
        batches.map((b) => b?.events.map((e) => e.event)),
        later.map(() => ["status"]),
      );
      const { rows } = await client.query<{ relname: string; scanned: string; fetched: string }>(
        `SELECT relname, seq_tup_read::text AS scanned, idx_tup_fetch::text AS fetched FROM pg_stat_xact_user_tables
         WHERE relname IN ('runs', 'run_audit_entries', 'run_steps')`,
      );
      assert.equal(rows.length, 3);
      for (const { relname, scanned, fetched } of rows) {
        assert.ok(Number(scanned) < 1_000, `the read scanned ${scanned} rows of ${relname}`);
        assert.ok(Number(fetched) < 1_000, `the read fetched ${fetched} rows of ${relname} through an index`);
      }
    } finally {
      await client.query("ROLLBACK");
    }
  });

  it("runs the query of read-run-events.ts: the migration defining the function carries its text", async () => {
    const { rows } = await client.query<{ source: string }>(
      `SELECT prosrc AS source FROM pg_proc WHERE proname = 'switchyard_read_run_events'`,
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.source, READ_FUNCTION_SOURCE);
  });
});
