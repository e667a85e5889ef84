import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { SqlTransaction } from "./db";
import { createTestDeps, type TestDeps } from "./testing/test-deps";
import { createPendingRuns, createTestWorkflow, startTransition, succeedTransition } from "./testing/run-fixtures";
import { transitionRuns } from "./runs/transition-run";
import { START_CURSOR } from "./run-events/run-event-cursor";
import { READ_FUNCTION_SOURCE, readRunEvents } from "./run-events/read-run-events";
import { READ_ANSWERS_FUNCTION_SOURCE } from "./triggers/webhook/webhook-answer-waiter";

/**
 * A new database's tables are tiny, and a plan chosen then must not stay a scan once they have grown: the batched
 * transitions are planned at each execution, and the reads that keep one plan (plpgsql functions planned with
 * scans off) must read each run, entry and step by index (docs/performance-design.md).
 */
describe("statements first planned on tiny tables, once the tables have grown", () => {
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

  const grow = () =>
    client.query(
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
  /** What the current transaction has read of the three tables so far, by table. */
  const tableReads = async () => {
    const { rows } = await client.query<{ relname: string; scanned: string; fetched: string }>(
      `SELECT relname, seq_tup_read::text AS scanned, idx_tup_fetch::text AS fetched FROM pg_stat_xact_user_tables
       WHERE relname IN ('runs', 'run_audit_entries', 'run_steps')`,
    );
    return new Map(rows.map((r) => [r.relname, { scanned: Number(r.scanned), fetched: Number(r.fetched) }]));
  };
  /**
   * Runs `statement` in a transaction of its own and checks what it read of the three tables: the difference of the
   * counts before and after it, since the counts of earlier transactions not yet reported show there too.
   */
  const readsByIndex = async (statement: () => Promise<void>, end: "COMMIT" | "ROLLBACK" = "ROLLBACK") => {
    await client.query("BEGIN");
    try {
      const before = await tableReads();
      await statement();
      const after = await tableReads();
      assert.equal(after.size, 3);
      for (const [relname, { scanned, fetched }] of after) {
        const was = before.get(relname) ?? { scanned: 0, fetched: 0 };
        assert.ok(scanned - was.scanned < 1_000, `it scanned ${scanned - was.scanned} rows of ${relname}`);
        assert.ok(fetched - was.fetched < 1_000, `it fetched ${fetched - was.fetched} rows of ${relname}`);
      }
      await client.query(end);
    } catch (err) {
      await client.query("ROLLBACK");
      throw err;
    }
  };
  // More executions than Postgres plans before it settles on a generic plan for a prepared statement.
  const CALLS = 8;

  // First: its early batches must run while the tables are still tiny.
  it("batched transitions: read their runs through the primary key", async () => {
    // Finishing runs that are still pending: the guard refuses them, the statement still reads them and writes steps.
    const finish = (runId: string) => succeedTransition(runId, {});
    const early = await createPendingRuns(deps.db, workflow, 3);
    for (let i = 0; i < CALLS; i++) {
      assert.deepEqual(await transitionRuns(client, early.map(finish)), [null, null, null]);
    }
    await grow();
    const batch = await createPendingRuns(deps.db, workflow, 3);
    for (const transitions of [batch.map(startTransition), batch.map(finish)]) {
      await readsByIndex(async () => {
        const results = await transitionRuns(client, transitions);
        assert.equal(results.filter((r) => r !== null).length, 3);
      }, "COMMIT");
    }
  });

  it("event streams: reads the runs, audit entries and steps by index", async () => {
    const reads = (ids: string[]) => ids.map((runId) => ({ runId, cursor: START_CURSOR }));
    const early = await createPendingRuns(deps.db, workflow, 3);
    for (let i = 0; i < CALLS; i++) assert.equal((await readRunEvents(client, reads(early))).length, 3);
    await grow();
    const later = await createPendingRuns(deps.db, workflow, 3);
    await readsByIndex(async () => {
      const batches = await readRunEvents(client, reads(later));
      assert.deepEqual(
        batches.map((b) => b?.events.map((e) => e.event)),
        later.map(() => ["status"]),
      );
    });
  });

  it("sync-webhook answers: reads the runs and steps by index", async () => {
    const answers = (ids: string[]) =>
      client.query({
        name: "kept-plans-answers",
        text: `SELECT id FROM switchyard_read_webhook_answers($1::jsonb)`,
        values: [JSON.stringify(ids)],
      });
    const early = await createPendingRuns(deps.db, workflow, 3);
    for (let i = 0; i < CALLS; i++) assert.equal((await answers(early)).rows.length, 3);
    await grow();
    const later = await createPendingRuns(deps.db, workflow, 3);
    await readsByIndex(async () => {
      assert.equal((await answers(later)).rows.length, 3);
    });
  });

  it("runs the queries of their files: each migration defining a function carries its text", async () => {
    const { rows } = await client.query<{ name: string; source: string }>(
      `SELECT proname AS name, prosrc AS source FROM pg_proc
       WHERE proname IN ('switchyard_read_run_events', 'switchyard_read_webhook_answers')`,
    );
    assert.deepEqual(Object.fromEntries(rows.map((r) => [r.name, r.source])), {
      switchyard_read_run_events: READ_FUNCTION_SOURCE,
      switchyard_read_webhook_answers: READ_ANSWERS_FUNCTION_SOURCE,
    });
  });
});
