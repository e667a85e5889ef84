import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { enqueueRuns } from "@switchyard/core/jobs/queues";
import { createRuns } from "@switchyard/core/runs/create-runs";
import { updateRouting } from "@switchyard/core/flow/routing";
import { eventually, startWorker, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { createTestDeps, type TestDeps } from "@switchyard/core/testing/test-deps";
import { createTestWorkflow } from "@switchyard/core/testing/run-fixtures";

const GRAPH = { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] };

describe("priority within a queue", () => {
  let deps: TestDeps;
  let worker: ServiceProcess | undefined;
  before(async () => {
    deps = await createTestDeps();
  });
  after(async () => {
    await worker?.stop();
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
    worker = await startWorker({ ...deps.env, WORKER_QUEUES: "single", WORKER_CONCURRENCY: "1" });
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
});
