import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Db } from "../db";
import { createTestDeps, type TestDeps } from "../testing/test-deps";
import { createTestRun } from "../testing/create-test-run";
import { recordStepsDurably, transitionRunDurably } from "./durable-writes";

/** A Db whose pool runs the first `lose` statements and then reports their connection reset: a lost reply. */
function losingReplies(db: Db, lose: number): Db {
  let left = lose;
  const pool = new Proxy(db.pool, {
    get(target, prop, receiver) {
      if (prop !== "query") return Reflect.get(target, prop, receiver) as unknown;
      return async (...args: Parameters<typeof target.query>) => {
        const result = await (target.query as (...a: unknown[]) => Promise<unknown>)(...args);
        if (left-- > 0) throw Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
        return result;
      };
    },
  });
  return new Proxy(db, {
    get: (target, prop, receiver) => (prop === "pool" ? pool : Reflect.get(target, prop, receiver)) as unknown,
  });
}

const step = (nodeId: string) => ({
  nodeId,
  status: "succeeded" as const,
  output: 1,
  error: null,
  log: null,
  startedAt: new Date(),
  finishedAt: new Date(),
  sideEffects: false,
});

describe("durable run writes", () => {
  let deps: TestDeps;
  before(async () => (deps = await createTestDeps()));
  after(() => deps.close());
  const retry = { maxMs: 10_000, initialDelayMs: 5 };

  it("takes a start whose reply was lost as done, and writes one start", async () => {
    const { runId } = await createTestRun(deps.db, { nodes: [], edges: [] });
    const run = await transitionRunDurably(
      losingReplies(deps.db, 1),
      { runId, to: "running", from: ["pending"], actor: "worker", action: "run_started", start: true },
      retry,
    );
    assert.equal(run?.status, "running");
    assert.equal(run?.attempt, 1);
    const audit = await deps.db.runAuditEntry.findMany({ where: { runId, action: "run_started" } });
    assert.equal(audit.length, 1);
  });

  it("takes a fenced outcome whose reply was lost as done, with its steps written once", async () => {
    const { runId } = await createTestRun(deps.db, { nodes: [], edges: [] });
    await transitionRunDurably(
      deps.db,
      { runId, to: "running", actor: "worker", action: "run_started", start: true },
      retry,
    );
    await recordStepsDurably(losingReplies(deps.db, 1), runId, 1, [step("a")], retry);
    const done = await transitionRunDurably(
      losingReplies(deps.db, 1),
      {
        runId,
        to: "succeeded",
        from: ["running"],
        attempt: 1,
        actor: "worker",
        action: "run_succeeded",
        steps: [step("b")],
      },
      retry,
    );
    assert.equal(done?.status, "succeeded");
    const steps = await deps.db.runStep.findMany({ where: { runId }, orderBy: { id: "asc" } });
    assert.deepEqual(
      steps.map((s) => s.nodeId),
      ["a", "b"],
    );
  });

  it("still reports a real conflict as null", async () => {
    const { runId } = await createTestRun(deps.db, { nodes: [], edges: [] });
    await transitionRunDurably(deps.db, { runId, to: "cancelled", actor: "api", action: "run_cancelled" }, retry);
    const started = await transitionRunDurably(
      losingReplies(deps.db, 0),
      { runId, to: "running", from: ["pending"], actor: "worker", action: "run_started", start: true },
      retry,
    );
    assert.equal(started, null);
  });
});
