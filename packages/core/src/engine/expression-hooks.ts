import type jsonata from "jsonata";
import type { ExpressionBudget } from "./expression-budget";
import { BUDGET_BINDING } from "./bounded-functions";

type Frame = { base: { depth: number; lookup: (name: string) => unknown } };
type Node = { type: string; value?: unknown; lhs?: unknown; rhs?: unknown; predicate?: unknown; group?: unknown };

/** Marks the operands of a range (`[lo..hi]`) in the AST, so the hook sees its bounds before it is built. */
const RANGE_OPERAND = Symbol("range operand");
type Marked = Node & { [RANGE_OPERAND]?: { range: object; side: "lhs" | "rhs" } };

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
function onExit(expr: Marked, _input: unknown, env: Frame, result: unknown): void {
  const kind = typeof result;
  const operand = expr[RANGE_OPERAND];
  if (operand !== undefined && kind === "number") {
    const budget = env.base.lookup(BUDGET_BINDING) as ExpressionBudget | undefined;
    budget?.rangeOperand(operand.range, operand.side, result as number);
    return;
  }
  if (kind !== "object" && kind !== "string") return;
  if (result === null) return;
  const fresh = expr.predicate !== undefined || expr.group !== undefined || BUILDS.has(expr.type);
  if (!fresh || (kind === "string" && !BUILDS_TEXT.has(expr.type))) return;
  const budget = env.base.lookup(BUDGET_BINDING) as ExpressionBudget | undefined;
  budget?.record(result, true);
}

/** Installs the hooks on one compiled expression; every evaluation of it then runs within its budget. */
export function installExpressionHooks(expression: jsonata.Expression): void {
  markRanges(expression.ast());
  const assign = expression.assign as unknown as (name: symbol, value: unknown) => void;
  assign.call(expression, Symbol.for("jsonata.__evaluate_entry"), onEntry);
  assign.call(expression, Symbol.for("jsonata.__evaluate_exit"), onExit);
}

/** JSONata builds a range in one synchronous loop: its operands are marked so its size is checked first. */
function markRanges(ast: unknown): void {
  const seen = new Set<object>();
  const stack: unknown[] = [ast];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== "object" || node === null || seen.has(node) || node instanceof RegExp) continue;
    seen.add(node);
    const n = node as Marked;
    if (n.type === "binary" && n.value === ".." && isObject(n.lhs) && isObject(n.rhs)) {
      (n.lhs as Marked)[RANGE_OPERAND] = { range: n, side: "lhs" };
      (n.rhs as Marked)[RANGE_OPERAND] = { range: n, side: "rhs" };
    }
    stack.push(...Object.values(node));
  }
}

function isObject(value: unknown): value is object {
  return typeof value === "object" && value !== null;
}
