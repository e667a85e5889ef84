import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { JOBS } from "@switchyard/core/jobs/catalog";
import { enqueueRuns } from "@switchyard/core/jobs/queues";
import { eventually, spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { createTestDeps, type TestDeps } from "@switchyard/core/testing/test-deps";
import { createTestRun } from "@switchyard/core/testing/create-test-run";

describe("two worker processes", () => {
  let deps: TestDeps;
  let workers: ServiceProcess[];

  before(async () => {
    deps = await createTestDeps();
    workers = ["race-a", "race-b"].map((id) =>
      spawnService("worker", { ...deps.env, LOG_LEVEL: "info", WORKER_ID: id }),
    );
    await Promise.all(workers.map((w) => w.waitForLog((l) => l.message === "worker started")));
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await deps.close();
  });

  it("executes each run exactly once when its job is delivered twice", async () => {
    const graph = {
      nodes: [
        { id: "a", type: "set", params: { value: "{{ input.i }}" } },
        { id: "b", type: "transform", params: { expression: "steps.a * 2" } },
      ],
      edges: [{ from: "a", to: "b" }],
    };
    const runIds: string[] = [];
    for (let i = 0; i < 20; i++) runIds.push((await createTestRun(deps.db, graph, { input: { i } })).runId);
    // Two jobs per run: the regular one and a duplicate under another id, as a redelivery would be.
    const { options } = JOBS.execute_run;
    await Promise.all([
      enqueueRuns(deps.queues, runIds),
      deps.queues.runs.addBulk(
        runIds.map((id) => ({ name: "execute_run", data: { run_id: id }, opts: { ...options, jobId: `dup-${id}` } })),
      ),
    ]);
    await eventually(async () => {
      const counts = await deps.queues.runs.getJobCounts("completed", "failed");
      return (counts.completed ?? 0) + (counts.failed ?? 0) === 40 ? counts : undefined;
    });
    assert.equal((await deps.queues.runs.getJobCounts("failed")).failed, 0);

    const runs = await deps.db.run.findMany({ where: { id: { in: runIds } } });
    assert.ok(runs.every((r) => r.status === "succeeded" && r.attempt === 1));
    const starts = await deps.db.runAuditEntry.groupBy({
      by: ["runId"],
      where: { action: "run_started" },
      _count: true,
    });
    assert.equal(starts.length, 20);
    assert.ok(starts.every((s) => s._count === 1));
    assert.equal(await deps.db.runStep.count({ where: { runId: { in: runIds } } }), 40);

    const logs = workers.flatMap((w) => w.logs);
    assert.equal(logs.filter((l) => l.message === "run started").length, 20);
    assert.equal(logs.filter((l) => l.message === "run completed").length, 20);
    assert.equal(
      logs.filter(
        (l) =>
          l.message === "run already in status running, skipping" ||
          l.message === "run already in status succeeded, skipping",
      ).length,
      20,
    );
  });
});
