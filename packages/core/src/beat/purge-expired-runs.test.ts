import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createTestDeps, type TestDeps } from "../testing/test-deps";
import type { RunStatus } from "../runs/run-status";
import { purgeExpiredRuns, type PurgeOptions } from "./purge-expired-runs";

const NOW = new Date("2026-06-01T12:00:00.000Z");
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

describe("purgeExpiredRuns", () => {
  let deps: TestDeps;
  let versionOf: Map<string, string>;

  before(async () => {
    deps = await createTestDeps();
  });
  after(async () => {
    await deps.close();
  });
  beforeEach(async () => {
    await deps.db.$executeRawUnsafe(`DELETE FROM runs`);
    versionOf = new Map();
  });

  const options = (over: Partial<PurgeOptions> = {}): PurgeOptions => ({
    now: NOW,
    retention: { RUN_RETENTION_DAYS: 30, RUN_RETENTION_DAYS_FAILED: 90 },
    batchSize: 1000,
    maxBatches: 100,
    ...over,
  });

  const createWorkflow = async (name: string, days: number | null, failedDays: number | null) => {
    const workflow = await deps.db.workflow.create({
      data: { name, retentionDays: days, retentionDaysFailed: failedDays },
    });
    const version = await deps.db.workflowVersion.create({
      data: { workflowId: workflow.id, version: 1, graph: { nodes: [], edges: [] } },
    });
    versionOf.set(workflow.id, version.id);
    return workflow.id;
  };

  /** `count` runs of one status completed at `completedAt` (null: never), each with a step and an audit entry. */
  const seed = async (workflowId: string, status: RunStatus, completedAt: Date | null, count = 1) => {
    const rows = await deps.db.$queryRawUnsafe<{ id: string }[]>(
      `INSERT INTO runs (id, workflow_id, workflow_version_id, status, triggered_by, created_at, completed_at)
       SELECT gen_random_uuid(), $1::uuid, $2::uuid, $3, 'test', $5::timestamptz - interval '1 day', $4::timestamptz
       FROM generate_series(1, $6)
       RETURNING id::text AS id`,
      workflowId,
      versionOf.get(workflowId),
      status,
      completedAt?.toISOString() ?? null,
      (completedAt ?? NOW).toISOString(),
      count,
    );
    const ids = rows.map((r) => r.id);
    await deps.db.$executeRawUnsafe(
      `INSERT INTO run_steps (run_id, node_id, attempt, status, started_at, finished_at)
       SELECT id, 'a', 1, 'succeeded', now(), now() FROM unnest($1::uuid[]) AS id`,
      ids,
    );
    await deps.db.$executeRawUnsafe(
      `INSERT INTO run_audit_entries (run_id, actor, action) SELECT id, 'test', 'run_created' FROM unnest($1::uuid[]) AS id`,
      ids,
    );
    return ids;
  };

  const remaining = async () =>
    new Set((await deps.db.$queryRawUnsafe<{ id: string }[]>(`SELECT id::text AS id FROM runs`)).map((r) => r.id));

  const daysAgo = (days: number, plusMs = 0) => new Date(NOW.getTime() - days * DAY_MS + plusMs);

  it("deletes exactly the terminal runs past their window, with their steps and audit entries", async () => {
    // Windows in days by status, as the precedence rules give them (written out here, not computed).
    const cases = [
      { name: "defaults", days: null, failedDays: null, windows: { succeeded: 30, failed: 90, cancelled: 30 } },
      { name: "short", days: 7, failedDays: null, windows: { succeeded: 7, failed: 7, cancelled: 7 } },
      { name: "keep failures", days: 7, failedDays: 365, windows: { succeeded: 7, failed: 365, cancelled: 7 } },
      { name: "failures only", days: null, failedDays: 2, windows: { succeeded: 30, failed: 2, cancelled: 30 } },
    ] as const;
    const expired = new Set<string>();
    const kept = new Set<string>();
    for (const c of cases) {
      const workflowId = await createWorkflow(c.name, c.days, c.failedDays);
      for (const status of ["succeeded", "failed", "cancelled"] as const) {
        const window = c.windows[status];
        for (const id of await seed(workflowId, status, daysAgo(window, MINUTE_MS))) kept.add(id);
        for (const id of await seed(workflowId, status, daysAgo(window, -MINUTE_MS))) expired.add(id);
      }
      // Live runs are never purged, however old (even with a stray completed_at).
      for (const status of ["pending", "running", "waiting"] as const) {
        for (const id of await seed(workflowId, status, null)) kept.add(id);
        for (const id of await seed(workflowId, status, daysAgo(10_000))) kept.add(id);
      }
    }

    const result = await purgeExpiredRuns(deps, options());

    assert.deepEqual(await remaining(), kept);
    assert.equal(result.deleted, expired.size);
    assert.deepEqual(result.byStatus, { succeeded: 4, failed: 4, cancelled: 4 });
    assert.equal(result.truncated, false);
    const orphans = await deps.db.$queryRawUnsafe<{ n: number }[]>(
      `SELECT (SELECT count(*) FROM run_steps WHERE run_id = ANY($1::uuid[]))::int
            + (SELECT count(*) FROM run_audit_entries WHERE run_id = ANY($1::uuid[]))::int AS n`,
      [...expired],
    );
    assert.equal(orphans[0]!.n, 0);
    const keptSteps = await deps.db.runStep.count();
    assert.equal(keptSteps, kept.size);

    // A second pass finds nothing more.
    assert.equal((await purgeExpiredRuns(deps, options())).deleted, 0);
  });

  it("keeps failed runs for RUN_RETENTION_DAYS when RUN_RETENTION_DAYS_FAILED is not set", async () => {
    const workflowId = await createWorkflow("plain", null, null);
    const [inside] = await seed(workflowId, "failed", daysAgo(30, MINUTE_MS));
    const [outside] = await seed(workflowId, "failed", daysAgo(30, -MINUTE_MS));
    const result = await purgeExpiredRuns(deps, options({ retention: { RUN_RETENTION_DAYS: 30 } }));
    assert.equal(result.deleted, 1);
    const left = await remaining();
    assert.ok(left.has(inside!));
    assert.ok(!left.has(outside!));
  });

  it("works through more runs than one batch, and stops a pass at maxBatches", async () => {
    const workflowId = await createWorkflow("busy", null, null);
    await seed(workflowId, "succeeded", daysAgo(31), 1_200);
    await seed(workflowId, "failed", daysAgo(91), 1_300);
    const recent = await seed(workflowId, "succeeded", daysAgo(1), 10);

    const first = await purgeExpiredRuns(deps, options({ batchSize: 1000, maxBatches: 2 }));
    assert.equal(first.deleted, 2_000);
    assert.equal(first.batches, 2);
    assert.equal(first.truncated, true);

    const second = await purgeExpiredRuns(deps, options({ batchSize: 1000, maxBatches: 2 }));
    assert.equal(second.deleted, 500);
    assert.equal(second.truncated, false);
    assert.deepEqual(await remaining(), new Set(recent));
  });

  it("deletes each run once when several beats purge at the same time", async () => {
    const workflows = await Promise.all([0, 1, 2].map((i) => createWorkflow(`concurrent ${i}`, null, null)));
    for (const workflowId of workflows) await seed(workflowId, "cancelled", daysAgo(40), 700);
    const results = await Promise.all([0, 1, 2].map(() => purgeExpiredRuns(deps, options({ batchSize: 250 }))));
    assert.equal(
      results.reduce((sum, r) => sum + r.deleted, 0),
      2_100,
    );
    assert.equal((await remaining()).size, 0);
  });
});
