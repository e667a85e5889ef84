import type { Logger } from "../logger";

import { evaluateExpression, isTruthy, type EvaluationOptions } from "./compile-expression";
import type { GraphPlan, PlanNode } from "./create-graph-plan";
import { DEFAULT_ENGINE_LIMITS, measureNodeOutput, type EngineLimits } from "./engine-limits";
import type { RunContext } from "./node-type";
import { runNode, type LogEntry } from "./run-node";
import type { WaitingFor } from "./wait-state";
import { errorMessage } from "../errors";
import type { ChildRuns } from "./child-runs";

export type StepStatus = "succeeded" | "failed" | "skipped";

/** One node execution, as stored in run_steps. */
export type StepRecord = {
  nodeId: string;
  status: StepStatus;
  output: unknown;
  error: string | null;
  log: LogEntry | LogEntry[] | null;
  startedAt: Date;
  finishedAt: Date;
  /** The node's type has effects outside the run: its step should be durable before more work starts. */
  sideEffects: boolean;
};

export type GraphOutcome =
  | { status: "succeeded"; steps: Record<string, unknown> }
  /** Some nodes parked (delay, signal) and nothing else could run: the run waits for them. */
  | { status: "waiting"; waitingFor: WaitingFor; steps: Record<string, unknown> }
  /** `nodeId` null: the run was stopped from outside (timeout, cancel), `error` says why. */
  | { status: "failed"; nodeId: string | null; error: string; steps: Record<string, unknown> };

export type ExecuteGraphOptions = {
  plan: GraphPlan;
  input: unknown;
  run: RunContext["run"];
  /** Ready nodes running at once (runnable_config.max_parallel). */
  maxParallel: number;
  /** Outputs of nodes that succeeded in an earlier attempt: reused, not executed again. */
  checkpoints?: ReadonlyMap<string, unknown>;
  /** The waits of the nodes parked when the run last stopped (a resumed run): each node gets its own back. */
  waits?: WaitingFor;
  /**
   * Called once per executed or skipped node, awaited before the node's successors start. A rejection (the
   * database is gone) stops the run and makes `executeGraph` reject with it.
   */
  onStep: (step: StepRecord) => Promise<void>;
  logger: Logger;
  /** Aborting stops the run: work in progress is aborted and the outcome is failed with the reason. */
  signal?: AbortSignal;
  /** Expression budgets and output sizes (the worker's config); the defaults without. */
  limits?: EngineLimits;
  /** Child runs for workflow and map nodes (the worker's run executor provides them). */
  children?: ChildRuns;
};

/**
 * Executes a DAG: a node runs once all its predecessors finished and at least one incoming edge holds (`when`
 * true, or no `when`); when none holds it is skipped, which its successors see as an edge that does not hold.
 * Ready nodes start in graph order, at most `maxParallel` at once. A failed node (without continue_on_error)
 * fails the run: nothing new starts and the nodes in flight are aborted.
 */
export async function executeGraph(opts: ExecuteGraphOptions): Promise<GraphOutcome> {
  const { plan, logger } = opts;
  const limits = opts.limits ?? DEFAULT_ENGINE_LIMITS;
  // The JSON size of every output in `steps`: the run fails once they pass RUN_MAX_STATE_BYTES together.
  let stateBytes = 0;
  const controller = new AbortController();
  // The outer signal is forwarded by a listener (below) rather than AbortSignal.any: cheaper per run.
  const signal = controller.signal;
  const pendingEdges = new Map<string, number>(plan.nodes.map((n) => [n.node.id, n.incoming.length]));
  const steps: Record<string, unknown> = {};
  const ready: PlanNode[] = plan.nodes.filter((n) => n.incoming.length === 0);
  const inFlight = new Set<Promise<void>>();
  const parked: WaitingFor = {};
  // An object, not `let`s: closures assign these and control-flow narrowing must not assume they stay null.
  const end: { failure: { nodeId: string | null; error: string } | null; infraError: unknown } = {
    failure: null,
    infraError: null,
  };

  // Nodes aborted by a stop record the reason as their error.
  const stop = (reason: unknown = new Error("run stopped")) => controller.abort(reason);
  const snapshot = (): RunContext => ({ input: opts.input, steps: { ...steps }, run: opts.run });

  /** `output` undefined: the node produced nothing its successors can use (skipped, or failed the run). */
  const finish = async (p: PlanNode, step: StepRecord | null, output?: unknown) => {
    if (step !== null) await opts.onStep(step);
    if (output !== undefined) steps[p.node.id] = output;
    for (const edge of p.outgoing) {
      const left = pendingEdges.get(edge.to)! - 1;
      pendingEdges.set(edge.to, left);
      if (left === 0) insertByIndex(ready, plan.byId.get(edge.to)!);
    }
  };

  const execute = async (p: PlanNode): Promise<void> => {
    const startedAt = new Date();
    const context = snapshot();
    const id = p.node.id;
    const step = (
      status: StepStatus,
      output: unknown,
      error: string | null,
      log: StepRecord["log"] = null,
    ): StepRecord => ({
      nodeId: id,
      status,
      output,
      error,
      log,
      startedAt,
      finishedAt: new Date(),
      sideEffects: p.type.sideEffects,
    });
    let holds: boolean;
    try {
      holds = await anyEdgeHolds(p, context, { limits: limits.expressions, signal });
    } catch (err) {
      const error = `when: ${errorMessage(err)}`;
      end.failure ??= { nodeId: id, error };
      stop();
      return finish(p, step("failed", null, error));
    }
    if (!holds) return finish(p, step("skipped", null, null));
    // The run stopped while this node's edges were evaluated: it never ran, so it leaves no step.
    if (signal.aborted) return;
    if (opts.checkpoints?.has(id) === true) {
      const output = opts.checkpoints.get(id);
      stateBytes += measureNodeOutput(output, Number.MAX_SAFE_INTEGER);
      return finish(p, null, output);
    }
    const outcome = await runNode(p, context, logger, signal, opts.waits?.[id], limits, opts.children);
    if (outcome.status === "waiting") {
      // Parked: no step and no finish, so its successors stay unready until a resumed run executes it again.
      if (outcome.wait !== undefined && !signal.aborted) parked[id] = outcome.wait;
      return;
    }
    stateBytes += outcome.outputBytes;
    if (stateBytes > limits.runMaxStateBytes && !signal.aborted) {
      // Past the run's bound the output is not kept: the node fails the run, whatever its retry policy says.
      const error = `outputs exceed RUN_MAX_STATE_BYTES (${limits.runMaxStateBytes} bytes) together`;
      end.failure ??= { nodeId: id, error };
      stop();
      return finish(p, step("failed", null, error, outcome.log));
    }
    if (outcome.status === "failed" && !outcome.continued) {
      // Work aborted because the run stopped is recorded, but the run's error stays the first cause.
      end.failure ??= { nodeId: id, error: outcome.error ?? "failed" };
      stop();
    }
    const usable = outcome.status === "succeeded" || outcome.continued;
    return finish(
      p,
      step(outcome.status, outcome.output, outcome.error, outcome.log),
      usable ? outcome.output : undefined,
    );
  };

  const onOuterAbort = () => {
    end.failure ??= { nodeId: null, error: errorMessage(opts.signal?.reason ?? "aborted") };
    stop(opts.signal?.reason);
  };
  if (opts.signal?.aborted === true) onOuterAbort();
  else opts.signal?.addEventListener("abort", onOuterAbort, { once: true });

  try {
    for (;;) {
      while (!signal.aborted && ready.length > 0 && inFlight.size < opts.maxParallel) {
        const p = ready.shift()!;
        const task: Promise<void> = execute(p)
          .catch((err: unknown) => {
            end.infraError ??= err;
            stop();
          })
          .finally(() => inFlight.delete(task));
        inFlight.add(task);
      }
      if (inFlight.size === 0) break;
      await Promise.race(inFlight);
    }
  } finally {
    opts.signal?.removeEventListener("abort", onOuterAbort);
  }
  if (end.infraError !== null) throw end.infraError;
  if (end.failure !== null) return { status: "failed", ...end.failure, steps };
  if (Object.keys(parked).length > 0) return { status: "waiting", waitingFor: parked, steps };
  return { status: "succeeded", steps };
}

/** Roots always run; otherwise an edge holds when its source produced an output and its `when` is truthy. */
async function anyEdgeHolds(p: PlanNode, context: RunContext, options: EvaluationOptions): Promise<boolean> {
  if (p.incoming.length === 0) return true;
  for (const edge of p.incoming) {
    // The context was taken after every predecessor finished: those with an output are in `steps` (own keys).
    if (!Object.hasOwn(context.steps, edge.from)) continue;
    if (edge.when === undefined) return true;
    if (isTruthy(await evaluateExpression(edge.when, context, options))) return true;
  }
  return false;
}

function insertByIndex(list: PlanNode[], p: PlanNode): void {
  const at = list.findIndex((q) => q.index > p.index);
  if (at === -1) list.push(p);
  else list.splice(at, 0, p);
}
