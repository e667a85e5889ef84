import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { enqueueRuns } from "@switchyard/core/jobs/queues";
import { createRuns } from "@switchyard/core/runs/create-runs";
import { updateRouting } from "@switchyard/core/flow/routing";
import { eventually, startWorker, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { createTestDeps, type TestDeps } from "@switchyard/core/testing/test-deps";
import { createTestWorkflow } from "@switchyard/core/testing/run-fixtures";
import { concurrencyShares } from "./worker";

const GRAPH = { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] };

describe("priority within a queue", () => {
  let deps: TestDeps;
  const workers: ServiceProcess[] = [];
  before(async () => {
    deps = await createTestDeps();
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await deps.close();
  });

  /** Creates `priorities.length` runs in that order, each enqueued (to its queue, with its priority) on its own. */
  async function dispatch(workflow: { workflowId: string; workflowVersionId: string }, priorities: number[]) {
    const ids: string[] = [];
    for (const [i, priority] of priorities.entries()) {
      const [created] = await createRuns(deps.db, [
        { ...workflow, triggeredBy: "test", execute: true, actor: "test", inputPayload: { i }, priority },
      ]);
      const { run } = created!;
      await enqueueRuns(deps.queues, [{ id: run.id, queue: run.queue, priority: run.priority }]);
      ids.push(run.id);
    }
    return ids;
  }

  it("starts a waiting higher-priority run before lower ones, and equal priorities oldest first", async () => {
    const workflow = await createTestWorkflow(deps.db, { name: "prioritized" }, GRAPH);
    await updateRouting(deps.db, workflow.workflowId, { queue: "single", priority: 5 });
    // The backlog builds while no worker consumes the queue: the default priority first, then a few that matter
    // less, then the urgent ones, added last.
    const normal = await dispatch(workflow, [5, 5, 5, 5, 5]);
    const low = await dispatch(workflow, [10, 10]);
    const urgent = await dispatch(workflow, [1, 1, 1]);
    const middle = await dispatch(workflow, [3]);
    const all = [...normal, ...low, ...urgent, ...middle];

    // One slot: the runs start one after the other, in the order the queue gives them.
    workers.push(await startWorker({ ...deps.env, WORKER_QUEUES: "single", WORKER_CONCURRENCY: "1" }));
    const runs = await eventually(async () => {
      const rows = await deps.db.run.findMany({
        where: { id: { in: all } },
        select: { id: true, status: true, startedAt: true },
      });
      return rows.every((r) => r.status === "succeeded") ? rows : undefined;
    }, 60_000);
    const order = runs.sort((a, b) => a.startedAt!.getTime() - b.startedAt!.getTime()).map((r) => r.id);
    assert.deepEqual(order, [...urgent, ...middle, ...normal, ...low]);
  });

  it("consumes every queue in WORKER_QUEUES, splitting WORKER_CONCURRENCY between them", async () => {
    assert.deepEqual(concurrencyShares(10, ["default", "reports"]), [
      { queue: "default", concurrency: 5 },
      { queue: "reports", concurrency: 5 },
    ]);
    assert.deepEqual(
      concurrencyShares(5, ["a", "b", "c"]).map((s) => s.concurrency),
      [2, 2, 1],
    );
    assert.deepEqual(
      concurrencyShares(1, ["a", "b"]).map((s) => s.concurrency),
      [1, 1],
    );

    const east = await createTestWorkflow(deps.db, { name: "east" }, GRAPH);
    const west = await createTestWorkflow(deps.db, { name: "west" }, GRAPH);
    await updateRouting(deps.db, east.workflowId, { queue: "east", priority: 5 });
    await updateRouting(deps.db, west.workflowId, { queue: "west", priority: 5 });
    const ids = [...(await dispatch(east, [5, 5])), ...(await dispatch(west, [5, 5]))];
    const worker = await startWorker({ ...deps.env, WORKER_QUEUES: "east,west", WORKER_CONCURRENCY: "4" });
    workers.push(worker);
    assert.deepEqual((await worker.waitForLog((l) => l.message === "worker started")).queues, ["east:2", "west:2"]);
    await eventually(async () => {
      const done = await deps.db.run.count({ where: { id: { in: ids }, status: "succeeded" } });
      return done === ids.length ? true : undefined;
    }, 60_000);
  });
});
