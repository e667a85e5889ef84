import type { z } from "zod";
import type { Logger } from "../logger";
import type { ExpressionLimits } from "./expression-limits";
import type { WaitState } from "./wait-state";
import type { ChildRuns } from "./child-runs";

/** What expressions and templates see: `{input, steps, run}` (workflow-graph.md, Expressions). */
export type RunContext = {
  input: unknown;
  steps: Record<string, unknown>;
  run: {
    id: string;
    workflow_id: string;
    triggered_by: string;
    attempt: number;
    scheduled_for: string | null;
  };
};

export type LogLevel = "debug" | "info" | "warn" | "error";

/** What a node's `run` gets besides its params. */
export type NodeContext = {
  nodeId: string;
  /** A snapshot taken when the node started: the outputs of the nodes finished before it. */
  context: RunContext;
  logger: Logger;
  /** Writes to the worker's log (with the run id) and to the step's `log` in the run's history. */
  log: (level: LogLevel, message: string) => void;
  /** Set when the run resumed with this node parked: the wait the node asked for last time. */
  wait?: WaitState;
  /** The worker's budgets for the expressions the node evaluates itself (defaults without). */
  expressionLimits?: ExpressionLimits;
  /** The node's try (1, 2, ... under its `retry`), counted across the run's parks and resumes. */
  nodeTry?: number;
  /** Creating and reading child runs (workflow and map nodes); absent where runs are not executed by a worker. */
  children?: ChildRuns;
};

/**
 * A node type: a name, a zod schema for its (rendered) params and an async function of params, context and an
 * AbortSignal. The executor knows nothing else about types, so new ones (and plugins) are just more entries.
 */
export type NodeType<S extends z.ZodType = z.ZodType> = {
  type: string;
  params: S;
  /** Param keys holding JSONata expressions: never templated, compiled when a version is created. */
  expressionParams?: readonly string[];
  /** Param keys taken verbatim (no templates), e.g. source code. */
  rawParams?: readonly string[];
  /**
   * True when running the node twice is visible outside the run (HTTP calls, plugins). Its step is written
   * as soon as it finishes, so a resumed run reuses its output instead of repeating the effect.
   */
  sideEffects: boolean;
  run: (params: z.output<S>, ctx: NodeContext, signal: AbortSignal) => Promise<unknown>;
};

/** Infers the params type from the schema, so `run` is checked against it. */
export function defineNodeType<S extends z.ZodType>(nodeType: NodeType<S>): NodeType<S> {
  return nodeType;
}

/** A node failure whose message is what the run records (no stack, no wrapping). */
export class NodeError extends Error {
  override name = "NodeError";
}
