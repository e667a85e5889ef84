import jsonata from "jsonata";
import { boundedMemo } from "./bounded-memo";
import { errorMessage } from "../errors";

import { BUDGET_BINDING, installBoundedFunctions } from "./bounded-functions";
import { ExpressionBudget, isJsonataFunction } from "./expression-budget";
import { installExpressionHooks } from "./expression-hooks";
import { DEFAULT_EXPRESSION_LIMITS, type ExpressionLimits } from "./expression-limits";
import { CheckedRegExp, checkRegex, listRegexLiterals } from "./regex-safety";

export type Expression = jsonata.Expression;

/** How one evaluation is bounded: the process's limits (defaults without) and the run's signal. */
export type EvaluationOptions = { limits?: ExpressionLimits; signal?: AbortSignal };

/**
 * Compiles a JSONata expression once per distinct string; throws the JSONata error when it does not parse, or
 * when a regular expression in it can backtrack exponentially. The compiled expression is shared by every
 * evaluation of the string: per-evaluation state travels in that evaluation's bindings.
 */
export const compileExpression: (source: string) => Expression = boundedMemo((source) => {
  const expression = jsonata(source, { RegexEngine: CheckedRegExp as unknown as RegExpConstructor });
  for (const re of listRegexLiterals(expression.ast())) {
    const problem = checkRegex(re);
    if (problem !== null) throw new Error(problem);
  }
  installExpressionHooks(expression);
  installBoundedFunctions(expression);
  return expression;
});

/**
 * Evaluates against the run context within EXPRESSION_TIMEOUT_MS, EXPRESSION_MAX_DEPTH and EXPRESSION_MAX_BUILD;
 * `undefined` (JSONata's "no match") is returned as is. Past a budget it rejects with an ExpressionLimitError.
 */
export async function evaluateExpression(
  source: string,
  context: unknown,
  options: EvaluationOptions = {},
): Promise<unknown> {
  const names = namePath(source);
  if (names !== null) {
    const found = lookupNames(context, names);
    if (found !== null) return found.value;
  }
  const budget = new ExpressionBudget(options.limits ?? DEFAULT_EXPRESSION_LIMITS, {
    ...(options.signal !== undefined && { signal: options.signal }),
  });
  return compileExpression(source).evaluate(context, { [BUDGET_BINDING]: budget });
}

/**
 * The names of an expression that is only a path of plain names (`run.attempt`, `input.customer.id`), else null.
 * Such a path through objects is a few property reads: it needs no budget, and is read directly (the hot path).
 */
const namePath: (source: string) => string[] | null = boundedMemo((source) => {
  const ast = compileExpression(source).ast() as { type: string; steps?: Record<string, unknown>[] };
  if (ast.type !== "path" || Object.keys(ast).some((k) => k !== "type" && k !== "steps")) return null;
  const names: string[] = [];
  for (const step of ast.steps ?? []) {
    const plain =
      step.type === "name" && Object.keys(step).every((k) => k === "type" || k === "value" || k === "position");
    if (!plain || typeof step.value !== "string") return null;
    names.push(step.value);
  }
  return names.length > 0 ? names : null;
});

/**
 * JSONata's lookup of `names` while the path meets no array: own properties of objects, undefined past anything
 * else. Null when it meets an array, whose sequence semantics are JSONata's to apply.
 */
function lookupNames(context: unknown, names: readonly string[]): { value: unknown } | null {
  let value = context;
  for (const name of names) {
    if (Array.isArray(value)) return null;
    const isRecord = typeof value === "object" && value !== null && !isJsonataFunction(value);
    if (!isRecord || !Object.prototype.hasOwnProperty.call(value, name)) return { value: undefined };
    value = (value as Record<string, unknown>)[name];
  }
  return Array.isArray(value) ? null : { value };
}

/** The error message of a JSONata expression that does not compile, or null when it does. */
export function expressionError(source: string): string | null {
  try {
    compileExpression(source);
    return null;
  } catch (err) {
    const position = typeof err === "object" && err !== null && "position" in err ? Number(err.position) : NaN;
    return Number.isFinite(position) ? `${errorMessage(err)} (at position ${position})` : errorMessage(err);
  }
}

/** JSONata's `$boolean` casting, so `when` conditions read the way JSONata users expect. */
export function isTruthy(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.some(isTruthy);
  switch (typeof value) {
    case "boolean":
      return value;
    case "number":
      return value !== 0;
    case "string":
      return value.length > 0;
    case "function":
      return false;
    case "object":
      return Object.keys(value).length > 0;
    default:
      return true;
  }
}
