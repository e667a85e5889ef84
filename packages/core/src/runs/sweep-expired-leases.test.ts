import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { requeueJobId } from "../jobs/catalog";
import { seedRuns } from "../beat/testing/seed-runs";
import { createTestDeps, type TestDeps } from "../testing/test-deps";
import { sweepExpiredLeases } from "./sweep-expired-leases";
import { transitionRun } from "./transition-run";

describe("sweepExpiredLeases", () => {
  let deps: TestDeps;
  before(async () => {
    deps = await createTestDeps();
  });
  after(async () => {
    await deps.close();
  });
  beforeEach(async () => {
    await deps.db.$executeRawUnsafe(`UPDATE runs SET status = 'cancelled' WHERE status IN ('pending', 'running')`);
  });

  /** Runs started by `owner` with a lease, then backdated by `expiredSecondsAgo` (negative: still valid). */
  const startRuns = async (count: number, owner: string, expiredSecondsAgo: number, recoveries = 0) => {
    const ids = await seedRuns(
      deps.db,
      Array.from({ length: count }, () => ({})),
    );
    for (const runId of ids) {
      const started = await transitionRun(deps.db, {
        runId,
        to: "running",
        actor: "test",
        action: "run_started",
        start: true,
        lease: { owner, seconds: 10 },
      });
      assert.ok(started);
    }
    await deps.db.$executeRawUnsafe(
      `UPDATE runs SET lease_expires_at = clock_timestamp() - make_interval(secs => $2), crash_recoveries = $3
       WHERE id = ANY($1::uuid[])`,
      ids,
      expiredSecondsAgo,
      recoveries,
    );
    return ids;
  };

  it("sets the lease in the start statement and clears it with the outcome", async () => {
    const [runId] = await startRuns(1, "w-1", -10);
    const running = await deps.db.run.findUniqueOrThrow({ where: { id: runId! } });
    assert.equal(running.leaseOwner, "w-1");
    assert.ok(running.leaseExpiresAt !== null && running.leaseExpiresAt.getTime() > Date.now());
    await transitionRun(deps.db, { runId: runId!, to: "succeeded", actor: "test", action: "run_succeeded" });
    const done = await deps.db.run.findUniqueOrThrow({ where: { id: runId! } });
    assert.deepEqual([done.leaseOwner, done.leaseExpiresAt], [null, null]);
  });

  it("takes each expired run over exactly once with many sweepers at once, and leaves live leases alone", async () => {
    const expired = await startRuns(30, "dead-worker", 5);
    const live = await startRuns(5, "live-worker", -30);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => sweepExpiredLeases(deps, { maxCrashRecoveries: 2, actor: `sweeper-${i}` })),
    );
    const takenOver = results.flatMap((r) => r.takenOver);
    assert.deepEqual([...takenOver].sort(), [...expired].sort());
    const runs = await deps.db.run.findMany({ where: { id: { in: [...expired, ...live] } } });
    for (const run of runs) {
      const isExpired = expired.includes(run.id);
      assert.equal(run.status, isExpired ? "pending" : "running");
      assert.equal(run.crashRecoveries, isExpired ? 1 : 0);
      assert.equal(run.leaseOwner, isExpired ? null : "live-worker");
    }
    const audit = await deps.db.runAuditEntry.findMany({
      where: { runId: { in: expired }, action: "run_lease_expired" },
    });
    assert.equal(audit.length, expired.length);
    const metadata = audit[0]!.metadata as Record<string, unknown>;
    assert.equal(metadata.previous_worker, "dead-worker");
    assert.equal(metadata.attempt, 1);
    assert.equal(typeof metadata.lease_expired_at, "string");
    const job = await deps.queues.runs.getJob(requeueJobId(expired[0]!, "takeover", 1));
    assert.deepEqual(job?.data, { run_id: expired[0] });
  });

  it("fails a run whose worker stopped more than MAX_CRASH_RECOVERIES times", async () => {
    const [runId] = await startRuns(1, "dead-worker", 5, 2);
    const result = await sweepExpiredLeases(deps, { maxCrashRecoveries: 2, actor: "beat" });
    assert.deepEqual(result, { takenOver: [], failed: [runId] });
    const run = await deps.db.run.findUniqueOrThrow({ where: { id: runId! } });
    assert.equal(run.status, "failed");
    assert.equal(run.error, "Run failed: its worker stopped 3 times while executing it (MAX_CRASH_RECOVERIES=2)");
    assert.ok(run.completedAt !== null);
  });
});
