import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ExpressionBudget, YIELD_EVERY_MS } from "./expression-budget";
import { ExpressionLimitError } from "./expression-limits";

const limits = { timeoutMs: 100, maxDepth: 10, maxBuild: 1_000 };

/** A budget on a clock the test moves, counting the times it yields. */
function budgetAt(start = 0, signal?: AbortSignal) {
  const clock = { now: start, yields: 0 };
  const budget = new ExpressionBudget(limits, {
    now: () => clock.now,
    yieldTo: async () => void clock.yields++,
    ...(signal !== undefined && { signal }),
  });
  return { budget, clock };
}

const enterMany = async (budget: ExpressionBudget, n: number) => {
  for (let i = 0; i < n; i++) await budget.enter(1);
};

describe("ExpressionBudget", () => {
  it("refuses an entry deeper than maxDepth, naming EXPRESSION_MAX_DEPTH", () => {
    const { budget } = budgetAt();
    assert.equal(budget.enter(10), undefined);
    assert.throws(() => budget.enter(11), {
      name: "ExpressionLimitError",
      message: "expression nested deeper than EXPRESSION_MAX_DEPTH (10)",
    });
  });

  it("fails once the evaluation ran longer than timeoutMs, naming EXPRESSION_TIMEOUT_MS", async () => {
    const { budget, clock } = budgetAt();
    clock.now = 100;
    await enterMany(budget, 32);
    clock.now = 101;
    await assert.rejects(enterMany(budget, 32), { message: "expression exceeded EXPRESSION_TIMEOUT_MS (100 ms)" });
  });

  it("yields to the macrotask queue once YIELD_EVERY_MS passed, not on every entry", async () => {
    const { budget, clock } = budgetAt();
    await enterMany(budget, 64);
    assert.equal(clock.yields, 0);
    clock.now = YIELD_EVERY_MS;
    await enterMany(budget, 16);
    assert.equal(clock.yields, 1);
    await enterMany(budget, 64);
    assert.equal(clock.yields, 1, "the clock has not moved since");
  });

  it("stops at the next tick once its signal aborts, with the abort's reason", () => {
    const controller = new AbortController();
    const { budget } = budgetAt(0, controller.signal);
    assert.equal(budget.tick(), undefined);
    controller.abort(new Error("run cancelled"));
    assert.throws(() => budget.tick(), { message: "run cancelled" });
  });

  it("counts what is built against maxBuild, and refuses a step that would not fit", () => {
    const { budget } = budgetAt();
    budget.record("x".repeat(600), true);
    assert.equal(budget.room(), 400);
    budget.record("x".repeat(600), false);
    assert.equal(budget.room(), 400, "a value handed on is not built again");
    assert.throws(() => budget.assertRoom(401), ExpressionLimitError);
    assert.throws(() => budget.record(new Array(401).fill(0), true), {
      message: "expression built more than EXPRESSION_MAX_BUILD (1000) elements",
    });
  });

  it("measures a value whose parts are shared as often as they appear, and stops early", () => {
    const { budget } = budgetAt();
    let shared: unknown = "leaf";
    for (let i = 0; i < 60; i++) shared = [shared, shared];
    assert.throws(() => budget.sizeOf(shared), ExpressionLimitError);
    assert.equal(budgetAt().budget.sizeOf({ ab: [1, "xyz"] }), 1 + 2 + (1 + 1 + 4));
  });

  it("checks a range's size before it is built: within the room left and a tenth of maxBuild", () => {
    const { budget } = budgetAt();
    const range = {};
    budget.rangeOperand(range, "lhs", 1);
    budget.rangeOperand(range, "rhs", 100);
    budget.rangeOperand(range, "lhs", 1);
    assert.throws(() => budget.rangeOperand(range, "rhs", 101), ExpressionLimitError);
    budget.rangeOperand(range, "lhs", 50);
    assert.throws(() => budget.rangeOperand(range, "rhs", 101), ExpressionLimitError, "the lowest start counts");
  });
});
