import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Worker } from "bullmq";
import { QUEUES, runJobId } from "../jobs/catalog";
import { enqueueRuns } from "../jobs/queues";
import { createRedis } from "../redis";
import { createTestDeps, type TestDeps } from "../testing/test-deps";
import { createReconciler, reconcileRuns } from "./reconcile-runs";
import { countAddedEvents, seedRuns } from "./testing/seed-runs";

describe("reconcileRuns", () => {
  let deps: TestDeps;
  before(async () => {
    deps = await createTestDeps();
  });
  after(async () => {
    await deps.close();
  });
  beforeEach(async () => {
    // Each test starts from an empty queue and no pending run left by the previous one.
    await deps.db.$executeRawUnsafe(`UPDATE runs SET status = 'cancelled' WHERE status = 'pending'`);
    await deps.queues.runs.obliterate({ force: true });
  });

  const soon = () => new Date(Date.now() + 60_000);
  const jobOf = (id: string) => deps.queues.runs.getJob(runJobId(id));

  /** Takes the next job of the runs queue and finishes it by hand, as a worker would. */
  const finishNextJob = async (outcome: "completed" | "failed") => {
    const connection = createRedis(deps.config.REDIS_URL, "worker");
    const worker = new Worker(QUEUES.runs, null, { connection, prefix: deps.config.QUEUE_PREFIX, autorun: false });
    try {
      const job = await worker.getNextJob("test-token");
      assert.ok(job);
      if (outcome === "completed") await job.moveToCompleted("done", "test-token", false);
      else await job.moveToFailed(new Error("infrastructure down"), "test-token", false);
      return job.id;
    } finally {
      await worker.close();
      connection.disconnect();
    }
  };

  it("enqueues an executable pending run that has no job", async () => {
    const [runId] = await seedRuns(deps.db, [{}]);
    const result = await reconcileRuns(deps, { before: soon() });
    assert.deepEqual(result.enqueued, [runId]);
    assert.equal(result.cursor, null);
    const job = await jobOf(runId!);
    assert.equal(job?.name, "execute_run");
    assert.deepEqual(job?.data, { run_id: runId });
    assert.equal(job?.opts.attempts, 5);
  });

  it("leaves a run waiting for a concurrency slot whose live holder will wake it, and enqueues one without", async () => {
    const [holder, waiting, orphan] = await seedRuns(deps.db, [
      { status: "running", ageSeconds: 120 },
      { ageSeconds: 120 },
      { ageSeconds: 120 },
    ]);
    await deps.db.run.update({
      where: { id: holder! },
      data: { concurrencyKey: '"a"', leaseOwner: "w", leaseExpiresAt: new Date(Date.now() + 60_000) },
    });
    await deps.db.run.update({ where: { id: waiting! }, data: { concurrencyKey: '"a"', blockedBy: "concurrency" } });
    await deps.db.run.update({ where: { id: orphan! }, data: { concurrencyKey: '"b"', blockedBy: "concurrency" } });
    const result = await reconcileRuns(deps, { before: soon() });
    assert.deepEqual(result.enqueued, [orphan]);
  });

  it("leaves young runs, caller-driven runs and runs no longer pending alone", async () => {
    const [old, callerDriven, running, cancelled] = await seedRuns(deps.db, [
      { ageSeconds: 120 },
      { execute: false, ageSeconds: 120 },
      { status: "running", ageSeconds: 120 },
      { status: "cancelled", ageSeconds: 120 },
    ]);
    const [young] = await seedRuns(deps.db, [{}]);
    const result = await reconcileRuns(deps, { before: new Date(Date.now() - 60_000) });
    assert.deepEqual(result.enqueued, [old]);
    for (const id of [callerDriven, running, cancelled, young]) assert.equal(await jobOf(id!), undefined);
  });

  it("leaves a run alone while its job is waiting or delayed", async () => {
    const [waiting, delayed] = await seedRuns(deps.db, [{}, {}]);
    await enqueueRuns(deps.queues, [waiting!]);
    await deps.queues.runs.add("execute_run", { run_id: delayed }, { jobId: runJobId(delayed!), delay: 3_600_000 });
    const result = await reconcileRuns(deps, { before: soon() });
    assert.deepEqual(result.enqueued, []);
    assert.equal(await deps.queues.runs.getJobState(runJobId(delayed!)), "delayed");
  });

  it("gives a lost run whose run_at is ahead a job delayed by the time left", async () => {
    const [runId] = await seedRuns(deps.db, [{}]);
    const runAt = new Date(Date.now() + 3_600_000);
    await deps.db.run.update({ where: { id: runId! }, data: { runAt } });
    const result = await reconcileRuns(deps, { before: soon() });
    assert.deepEqual(result.enqueued, [runId]);
    const job = await jobOf(runId!);
    assert.equal(await job?.getState(), "delayed");
    const startsAt = job!.timestamp + job!.delay;
    assert.ok(Math.abs(startsAt - runAt.getTime()) < 1_000, `job starts at ${startsAt}, run_at is ${runAt.getTime()}`);
  });

  it("replaces a completed or failed job whose run is still pending", async () => {
    const [completed] = await seedRuns(deps.db, [{}]);
    await enqueueRuns(deps.queues, [completed!]);
    assert.equal(await finishNextJob("completed"), runJobId(completed!));
    const [failed] = await seedRuns(deps.db, [{}]);
    await deps.queues.runs.add("execute_run", { run_id: failed }, { jobId: runJobId(failed!), attempts: 1 });
    assert.equal(await finishNextJob("failed"), runJobId(failed!));

    const result = await reconcileRuns(deps, { before: soon() });
    assert.deepEqual(new Set(result.enqueued), new Set([completed, failed]));
    assert.equal(await deps.queues.runs.getJobState(runJobId(completed!)), "prioritized");
    assert.equal(await deps.queues.runs.getJobState(runJobId(failed!)), "prioritized");
  });

  it("covers a backlog longer than one pass in the following passes, oldest first", async () => {
    const ids = await seedRuns(deps.db, [
      { ageSeconds: 50 },
      { ageSeconds: 40 },
      { ageSeconds: 30 },
      { ageSeconds: 20 },
      { ageSeconds: 10 },
    ]);
    const first = await reconcileRuns(deps, { before: soon(), batchSize: 2, maxBatches: 1 });
    assert.deepEqual(first.enqueued, ids.slice(0, 2));
    assert.ok(first.cursor);
    const second = await reconcileRuns(deps, { before: soon(), batchSize: 2, maxBatches: 2, cursor: first.cursor });
    assert.deepEqual(second.enqueued, ids.slice(2, 5));
    assert.equal(second.cursor, null);
  });

  it("adds each job once when several reconcilers run at the same moment", async () => {
    const ids = await seedRuns(
      deps.db,
      Array.from({ length: 40 }, () => ({})),
    );
    const reconcilers = [1, 2, 3].map(() => createReconciler(deps, { afterSeconds: 0, batchSize: 7 }));
    await Promise.all(reconcilers.map((r) => r.reconcile(soon())));
    const added = await countAddedEvents(deps.redis, deps.config.QUEUE_PREFIX, QUEUES.runs);
    for (const id of ids) assert.equal(added.get(runJobId(id)), 1, `run ${id}`);
    assert.equal(await deps.queues.runs.getPrioritizedCount(), ids.length);
  });
});
