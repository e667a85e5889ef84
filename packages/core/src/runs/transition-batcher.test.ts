import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createTestDeps, type TestDeps } from "../testing/test-deps";
import { createPendingRuns, createTestWorkflow, startTransition, succeedTransition } from "../testing/run-fixtures";
import { createTransitionBatcher } from "./transition-batcher";
import { transitionRuns } from "./transition-run";

describe("createTransitionBatcher", () => {
  let deps: TestDeps;
  let workflow: { workflowId: string; workflowVersionId: string };
  before(async () => {
    deps = await createTestDeps();
    workflow = await createTestWorkflow(deps.db, { name: "transitions" });
  });
  after(async () => {
    await deps.close();
  });

  const pendingRuns = (n: number) => createPendingRuns(deps.db, workflow, n);
  const start = startTransition;
  const succeed = succeedTransition;
  /** Counts the statements the batcher sends, on the real pool. */
  const countStatements = () => {
    const pool = deps.db.pool;
    const query = pool.query.bind(pool);
    const counter = { n: 0, restore: () => void (pool.query = query) };
    pool.query = ((...args: Parameters<typeof pool.query>) => {
      counter.n++;
      return (query as (...a: unknown[]) => unknown)(...args);
    }) as typeof pool.query;
    return counter;
  };

  it("starts and finishes the runs of one turn in one statement each, every run guarded, audited and stepped", async () => {
    const ids = await pendingRuns(30);
    const transition = createTransitionBatcher(deps.db);
    const counter = countStatements();
    try {
      const started = await Promise.all(ids.map((id) => transition(start(id))));
      assert.equal(counter.n, 1);
      assert.deepEqual(
        started.map((r) => [r?.id, r?.status, r?.attempt]),
        ids.map((id) => [id, "running", 1]),
      );
      const done = await Promise.all(ids.map((id, i) => transition(succeed(id, { i }))));
      assert.equal(counter.n, 2);
      assert.deepEqual(
        done.map((r) => [r?.id, r?.status, r?.outputPayload]),
        ids.map((id, i) => [id, "succeeded", { i }]),
      );
    } finally {
      counter.restore();
    }
    for (const id of ids) {
      const run = await deps.db.run.findUniqueOrThrow({ where: { id } });
      assert.equal(run.leaseOwner, null);
      assert.deepEqual(
        (await deps.db.runAuditEntry.findMany({ where: { runId: id }, orderBy: { id: "asc" } })).map((a) => a.action),
        ["run_created", "run_started", "run_succeeded"],
      );
      assert.equal(await deps.db.runStep.count({ where: { runId: id, attempt: 1 } }), 1);
    }
  });

  it("answers null for the run whose guard does not hold, and the same run twice in a turn changes once", async () => {
    const [a, b] = await pendingRuns(2);
    const transition = createTransitionBatcher(deps.db);
    const [first, second, other] = await Promise.all([
      transition(start(a!)),
      transition(start(a!)),
      transition(start(b!)),
    ]);
    assert.equal(first?.attempt, 1);
    assert.equal(second, null);
    assert.equal(other?.status, "running");
    // Fenced on an attempt the run is not at: refused, and its steps not written.
    const [stale, current] = await Promise.all([
      transition({ ...succeed(a!, {}), attempt: 7 }),
      transition(succeed(b!, {})),
    ]);
    assert.equal(stale, null);
    assert.equal(current?.status, "succeeded");
    assert.equal(await deps.db.runStep.count({ where: { runId: a! } }), 0);
    assert.equal((await deps.db.run.findUniqueOrThrow({ where: { id: a! } })).status, "running");
  });

  it("fails only the transition Postgres refuses", async () => {
    const ids = await pendingRuns(3);
    const transition = createTransitionBatcher(deps.db);
    await Promise.all(ids.map((id) => transition(start(id))));
    // jsonb has no \\u0000: this output fails its statement, and so the batch, which is retried run by run.
    const results = await Promise.allSettled(
      ids.map((id, i) => transition(succeed(id, i === 1 ? { text: "nul \u0000" } : { i }))),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      ["fulfilled", "rejected", "fulfilled"],
    );
    assert.equal((await deps.db.run.findUniqueOrThrow({ where: { id: ids[1]! } })).status, "running");
    assert.equal((await deps.db.run.findUniqueOrThrow({ where: { id: ids[2]! } })).status, "succeeded");
  });

  it("keeps results in the callers' order whatever order the rows are locked in", async () => {
    const ids = (await pendingRuns(12)).reverse();
    const rows = await transitionRuns(deps.db, ids.map(start));
    assert.deepEqual(
      rows.map((r) => r?.id),
      ids,
    );
    await assert.rejects(transitionRuns(deps.db, [start(ids[0]!), start(ids[0]!)]), /one transition per run/);
  });
});
