import { NodeError } from "./node-type";

/**
 * What one JSONata evaluation may spend (EXPRESSION_* settings, docs/security.md, Expressions). `maxBuild` counts
 * elements: array items, object members and string characters, both what the evaluation builds in total and the
 * size of any one value it holds (so values that share parts cannot stand for more than they cost to build).
 */
export type ExpressionLimits = {
  timeoutMs: number;
  maxDepth: number;
  maxBuild: number;
};

export const DEFAULT_EXPRESSION_LIMITS: ExpressionLimits = Object.freeze({
  timeoutMs: 1_000,
  maxDepth: 1_000,
  maxBuild: 10_000_000,
});

/** An expression past one of its budgets: the node (or its `when` edge, its template) fails with this message. */
export class ExpressionLimitError extends NodeError {
  override name = "ExpressionLimitError";
}

export function timeoutError(limits: ExpressionLimits): ExpressionLimitError {
  return new ExpressionLimitError(`expression exceeded EXPRESSION_TIMEOUT_MS (${limits.timeoutMs} ms)`);
}

export function depthError(limits: ExpressionLimits): ExpressionLimitError {
  return new ExpressionLimitError(`expression nested deeper than EXPRESSION_MAX_DEPTH (${limits.maxDepth})`);
}

export function buildError(limits: ExpressionLimits): ExpressionLimitError {
  return new ExpressionLimitError(`expression built more than EXPRESSION_MAX_BUILD (${limits.maxBuild}) elements`);
}
