import type jsonata from "jsonata";
import type { ExpressionBudget } from "./expression-budget";
import { BUDGET_BINDING } from "./bounded-functions";

type Frame = { base: { depth: number; lookup: (name: string) => unknown } };
type Node = { type: string; predicate?: unknown; group?: unknown };

/** Node types whose value is new (built by this step): the others hand on a value that exists already. */
const BUILDS = new Set(["path", "unary", "binary", "function", "partial", "apply", "wildcard", "descendant"]);
/** Of those, the ones that can make a new string (`&`, function results). */
const BUILDS_TEXT = new Set(["binary", "function", "partial", "apply"]);

/**
 * JSONata's evaluate entry hook (awaited by jsonata.js before each step): depth, time and signal, and the yield
 * that keeps the event loop free. The budget comes from the evaluation's own bindings (its base frame).
 */
function onEntry(_expr: Node, _input: unknown, env: Frame): Promise<void> | undefined {
  const budget = env.base.lookup(BUDGET_BINDING) as ExpressionBudget | undefined;
  return budget?.enter(env.base.depth);
}

/** The exit hook: counts what the step built. Numbers, booleans and nothing cost nothing. */
function onExit(expr: Node, _input: unknown, env: Frame, result: unknown): void {
  const kind = typeof result;
  if (kind !== "object" && kind !== "string") return;
  if (result === null) return;
  const fresh = expr.predicate !== undefined || expr.group !== undefined || BUILDS.has(expr.type);
  if (!fresh || (kind === "string" && !BUILDS_TEXT.has(expr.type))) return;
  const budget = env.base.lookup(BUDGET_BINDING) as ExpressionBudget | undefined;
  budget?.record(result, true);
}

/** Installs the hooks on one compiled expression; every evaluation of it then runs within its budget. */
export function installExpressionHooks(expression: jsonata.Expression): void {
  const assign = expression.assign as unknown as (name: symbol, value: unknown) => void;
  assign.call(expression, Symbol.for("jsonata.__evaluate_entry"), onEntry);
  assign.call(expression, Symbol.for("jsonata.__evaluate_exit"), onExit);
}
