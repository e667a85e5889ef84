import type { Config } from "../config";
import { DEFAULT_EXPRESSION_LIMITS, type ExpressionLimits } from "./expression-limits";
import { NodeError } from "./node-type";
import { jsonSizeWithin, NotJsonError } from "./json-size";

/** What a run may hold (docs/security.md): its expressions' budgets, each node's output, all its outputs. */
export type EngineLimits = {
  expressions: ExpressionLimits;
  /** NODE_MAX_OUTPUT_BYTES: the JSON size of one node's output. */
  nodeMaxOutputBytes: number;
  /** RUN_MAX_STATE_BYTES: the outputs of all a run's nodes together (its `steps`, held and stored). */
  runMaxStateBytes: number;
};

export const DEFAULT_ENGINE_LIMITS: EngineLimits = Object.freeze({
  expressions: DEFAULT_EXPRESSION_LIMITS,
  nodeMaxOutputBytes: 4 * 1024 * 1024,
  runMaxStateBytes: 32 * 1024 * 1024,
});

export function engineLimitsFrom(
  config: Pick<
    Config,
    | "EXPRESSION_TIMEOUT_MS"
    | "EXPRESSION_MAX_DEPTH"
    | "EXPRESSION_MAX_BUILD"
    | "NODE_MAX_OUTPUT_BYTES"
    | "RUN_MAX_STATE_BYTES"
  >,
): EngineLimits {
  return {
    expressions: {
      timeoutMs: config.EXPRESSION_TIMEOUT_MS,
      maxDepth: config.EXPRESSION_MAX_DEPTH,
      maxBuild: config.EXPRESSION_MAX_BUILD,
    },
    nodeMaxOutputBytes: config.NODE_MAX_OUTPUT_BYTES,
    runMaxStateBytes: config.RUN_MAX_STATE_BYTES,
  };
}

/**
 * The output's JSON size in bytes, or a NodeError naming NODE_MAX_OUTPUT_BYTES when it is larger (measured
 * without building the text, so an output far past the cap costs no more than the cap) or is not JSON data.
 */
export function measureNodeOutput(output: unknown, maxBytes: number): number {
  let size: number | null;
  try {
    size = jsonSizeWithin(output, maxBytes);
  } catch (err) {
    if (err instanceof NotJsonError) throw new NodeError(`output is not JSON: ${err.message}`);
    throw err;
  }
  if (size === null) throw new NodeError(`output exceeds NODE_MAX_OUTPUT_BYTES (${maxBytes} bytes)`);
  return size;
}
