import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { resumeJobId } from "../jobs/catalog";
import { transitionRun } from "../runs/transition-run";
import { createTestDeps, deleteKeys, type TestDeps } from "../testing/test-deps";
import { reconcileWaitingRuns } from "./reconcile-waiting-runs";
import { seedRuns } from "./testing/seed-runs";

describe("reconcileWaitingRuns", () => {
  let deps: TestDeps;
  before(async () => {
    deps = await createTestDeps();
  });
  after(async () => {
    await deps.close();
  });

  /** A run parked with `waitingFor`, as a worker leaves it, with no job in Redis (lost with its keys). */
  const park = async (waitingFor: unknown) => {
    const [runId] = await seedRuns(deps.db, [{ status: "running" }]);
    const parked = await transitionRun(deps.db, {
      runId: runId!,
      to: "waiting",
      actor: "test",
      action: "run_waiting",
      waitingFor,
    });
    assert.ok(parked);
    return runId!;
  };
  const later = () => new Date(Date.now() + 60_000);

  it("re-schedules a waiting run's resume at its due time once its job is gone, and only once", async () => {
    const resumeAt = new Date(Date.now() + 30_000);
    const delayed = await park({ d: { kind: "delay", resume_at: resumeAt.toISOString() } });
    const overdue = await park({
      s: { kind: "signal", name: "go", timeout_at: new Date(Date.now() - 5_000).toISOString(), timeout_seconds: 1 },
    });
    const forever = await park({ s: { kind: "signal", name: "go", timeout_at: null, timeout_seconds: null } });

    const repaired = await reconcileWaitingRuns(deps, { before: later() });
    assert.deepEqual(repaired.sort(), [delayed, overdue].sort());
    const job = await deps.queues.runs.getJob(resumeJobId(delayed, resumeAt));
    assert.deepEqual(job?.data, { run_id: delayed, resume: true });
    // Due in about 30 s: delayed by the time left, never started early.
    assert.ok(job !== undefined && job.delay > 20_000 && job.delay <= 30_000, `delay ${job?.delay}`);
    const overdueJobs = await deps.queues.runs.getJobs(["wait", "prioritized", "delayed"]);
    const overdueJob = overdueJobs.find((j) => j.data.run_id === overdue);
    assert.equal(overdueJob?.delay, 0);
    assert.ok(!overdueJobs.some((j) => j.data.run_id === forever));

    // The jobs are there now: a second pass adds nothing.
    assert.deepEqual(await reconcileWaitingRuns(deps, { before: later() }), []);

    // Redis loses every key of the deployment (a flush): the next pass puts them back.
    await deleteKeys(deps.redis, `${deps.config.QUEUE_PREFIX}:*`);
    assert.deepEqual((await reconcileWaitingRuns(deps, { before: later() })).sort(), [delayed, overdue].sort());
  });

  it("leaves runs that parked after the cutoff alone", async () => {
    const fresh = await park({ d: { kind: "delay", resume_at: new Date(Date.now() + 30_000).toISOString() } });
    const repaired = await reconcileWaitingRuns(deps, { before: new Date(Date.now() - 60_000) });
    assert.ok(!repaired.includes(fresh));
  });

  it("resumes a run refused a slot to resume in once no live run of its key is left to wake it", async () => {
    // Parked on a delay already served, its resume refused (blocked), and the wake of the run that held the slot
    // lost with that run's worker.
    const servedAt = new Date(Date.now() - 5_000);
    const blocked = await park({ d: { kind: "delay", resume_at: servedAt.toISOString() } });
    // The resume job that was refused is still kept by BullMQ, as after a real refusal.
    const refusedJob = resumeJobId(blocked, servedAt);
    await deps.queues.runs.add("execute_run", { run_id: blocked, resume: true }, { jobId: refusedJob });
    await deps.db.run.update({ where: { id: blocked }, data: { blockedBy: "concurrency", concurrencyKey: "k" } });
    const [holder] = await seedRuns(deps.db, [{ status: "running" }]);
    const run = await deps.db.run.findUniqueOrThrow({ where: { id: blocked } });
    await deps.db.run.update({
      where: { id: holder! },
      data: { workflowId: run.workflowId, concurrencyKey: "k", leaseExpiresAt: new Date(Date.now() + 60_000) },
    });
    // While a live run holds its key, that run's finish wakes it: left alone.
    assert.ok(!(await reconcileWaitingRuns(deps, { before: later() })).includes(blocked));
    await deps.db.run.update({ where: { id: holder! }, data: { status: "succeeded" } });
    assert.ok((await reconcileWaitingRuns(deps, { before: later() })).includes(blocked));
    const jobs = await deps.queues.runs.getJobs(["prioritized", "wait", "delayed"]);
    assert.ok(jobs.some((j) => j.id !== refusedJob && j.data.run_id === blocked && j.data.resume === true));
  });
});
