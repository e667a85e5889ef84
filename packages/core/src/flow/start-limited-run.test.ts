import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createTestDeps, type TestDeps } from "../testing/test-deps";
import { createTestWorkflow, startTransition } from "../testing/run-fixtures";
import { createRuns } from "../runs/create-runs";
import { createTransitionBatcher } from "../runs/transition-batcher";
import { transitionRun } from "../runs/transition-run";
import { updateConcurrencyLimits } from "./concurrency-limits";
import { startLimitedRun } from "./start-limited-run";
import { wakeBlockedRuns } from "./wake-blocked-runs";
import { createFlowBatchers } from "./flow-batchers";

describe("startLimitedRun", () => {
  let deps: TestDeps;
  before(async () => {
    deps = await createTestDeps();
  });
  after(async () => {
    await deps.close();
  });

  const retry = { maxMs: 1_000 };
  const limitedWorkflow = async (name: string, maxRunning: number | null) => {
    const workflow = await createTestWorkflow(deps.db, { name });
    await updateConcurrencyLimits(deps.db, workflow.workflowId, {
      max_running: maxRunning,
      key: "input.k",
      max_running_per_key: 1,
    });
    return workflow;
  };
  /** One statement each, so that their creation order is their age. */
  const pendingRuns = async (workflow: { workflowId: string; workflowVersionId: string }, keys: string[]) => {
    const ids: string[] = [];
    for (const k of keys) {
      const [created] = await createRuns(deps.db, [
        { ...workflow, triggeredBy: "manual", execute: true, actor: "test", inputPayload: { k } },
      ]);
      ids.push(created!.run.id);
    }
    // Oldest first, 10 ms apart: runs created within the same millisecond would tie on created_at.
    await deps.db.pool.query(
      `UPDATE runs r SET created_at = clock_timestamp() - make_interval(secs => (c.n - o.i) * 0.01)
       FROM unnest($1::uuid[]) WITH ORDINALITY AS o(id, i), (SELECT cardinality($1::uuid[]) AS n) c(n)
       WHERE r.id = o.id`,
      [ids],
    );
    return ids;
  };
  const statusOf = async (ids: string[]) => {
    const runs = await deps.db.run.findMany({ where: { id: { in: ids } } });
    return ids.map((id) => runs.find((r) => r.id === id)!);
  };

  it("starts the limited starts of one turn in one statement, at most one run of each key, and marks the others", async () => {
    const workflow = await limitedWorkflow("one-statement", null);
    const keys = ["a", "a", "a", "b", "b", "c", "d", "d"];
    const ids = await pendingRuns(workflow, keys);
    const opts = { transitions: createTransitionBatcher(deps.db), flow: createFlowBatchers(deps.db) };
    const results = await Promise.all(ids.map((id) => startLimitedRun(deps.db, startTransition(id), retry, opts)));
    const started = results.filter((r) => r !== null && "run" in r);
    assert.equal(started.length, 4);
    const runs = await statusOf(ids);
    const running = runs.filter((r) => r.status === "running").map((r) => r.concurrencyKey);
    assert.deepEqual(running.sort(), ['"a"', '"b"', '"c"', '"d"']);
    // The oldest run of each key starts: the runs were created in order.
    assert.deepEqual(
      runs.map((r) => r.status),
      ["running", "pending", "pending", "running", "pending", "running", "running", "pending"],
    );
    for (const r of runs.filter((r) => r.status === "pending")) assert.equal(r.blockedBy, "concurrency");
  });

  it("keeps max_running across the runs of one statement", async () => {
    const workflow = await limitedWorkflow("workflow-wide", 2);
    const ids = await pendingRuns(workflow, ["a", "b", "c", "d", "e"]);
    const transitions = createTransitionBatcher(deps.db);
    await Promise.all(ids.map((id) => startLimitedRun(deps.db, startTransition(id), retry, { transitions })));
    const runs = await statusOf(ids);
    assert.equal(runs.filter((r) => r.status === "running").length, 2);
    for (const r of runs.filter((r) => r.status === "pending")) assert.equal(r.blockedBy, "concurrency");
  });

  it("wakes the oldest run marked blocked on its key once the slot's holder has finished", async () => {
    const workflow = await limitedWorkflow("wake", null);
    const [holder, first, second] = await pendingRuns(workflow, ["a", "a", "a"]);
    for (const id of [holder!, first!, second!]) await startLimitedRun(deps.db, startTransition(id), retry);
    const done = await transitionRun(deps.db, {
      runId: holder!,
      to: "succeeded",
      from: ["running"],
      attempt: 1,
      actor: "worker",
      action: "run_succeeded",
    });
    assert.notEqual(done, null);
    const handed: string[] = [];
    const slot = { workflowId: workflow.workflowId, key: '"a"', workflowWide: false };
    const woken = await wakeBlockedRuns({ db: deps.db, queues: deps.queues }, slot, (runs) => {
      handed.push(...runs.map((w) => w.id));
      return [];
    });
    assert.deepEqual(woken, [first]);
    assert.deepEqual(handed, [first]);
    const next = await startLimitedRun(deps.db, startTransition(first!), retry);
    assert.ok(next !== null && "run" in next);
    const [, , last] = await statusOf([holder!, first!, second!]);
    assert.equal(last!.status, "pending");
  });

  it("wakes the slots freed in one turn in one statement, each its own run", async () => {
    const workflow = await limitedWorkflow("wake-batch", null);
    const wide = await limitedWorkflow("wake-batch-wide", 1);
    const [a1, a2, b1, b2, b3] = await pendingRuns(workflow, ["a", "a", "b", "b", "b"]);
    const [w1, w2, w3] = await pendingRuns(wide, ["x", "y", "z"]);
    for (const id of [a1!, a2!, b1!, b2!, b3!, w1!, w2!, w3!]) {
      await startLimitedRun(deps.db, startTransition(id), retry);
    }
    for (const id of [a1!, b1!, w1!]) {
      await transitionRun(deps.db, {
        runId: id,
        to: "succeeded",
        from: ["running"],
        attempt: 1,
        actor: "worker",
        action: "run_succeeded",
      });
    }
    const flow = createFlowBatchers(deps.db);
    const woken = await Promise.all([
      flow.wake({ workflowId: workflow.workflowId, key: '"a"', workflowWide: false }),
      flow.wake({ workflowId: workflow.workflowId, key: '"b"', workflowWide: false }),
      flow.wake({ workflowId: workflow.workflowId, key: '"c"', workflowWide: false }),
      flow.wake({ workflowId: wide.workflowId, key: '"x"', workflowWide: true }),
    ]);
    assert.deepEqual(
      woken.map((runs) => runs.map((w) => w.id)),
      [[a2], [b2], [], [w2]],
    );
    assert.deepEqual(woken[0]![0]!.candidate, {
      input: { k: "a" },
      keyExpression: "input.k",
      rateKeyExpression: null,
      workflowWide: false,
      route: { queue: "default", priority: 5 },
    });
    assert.equal(woken[0]![0]!.resume, false);
  });
});
