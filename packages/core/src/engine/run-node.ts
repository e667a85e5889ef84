import type { Logger } from "../logger";
import type { EvaluationOptions } from "./compile-expression";
import type { PlanNode } from "./create-graph-plan";
import { isVerbatim } from "./create-graph-plan";
import { DEFAULT_ENGINE_LIMITS, measureNodeOutput, type EngineLimits } from "./engine-limits";
import type { LogLevel, NodeContext, RunContext } from "./node-type";
import { setOwn } from "../proto-keys";
import { renderTemplate } from "./render-template";
import { retryDelayMs } from "./retry-delay";
import { ParkRequest, type WaitState } from "./wait-state";
import { errorMessage } from "../errors";
import type { ChildRuns } from "./child-runs";

export type LogEntry = { level: LogLevel; message: string };

export type NodeOutcome = {
  /** waiting: the node parked (`wait` says on what); it has no output and leaves no step yet. */
  status: "succeeded" | "failed" | "waiting";
  wait?: WaitState;
  /** The output; for a failed node with continue_on_error, `{error}`; otherwise null on failure. */
  output: unknown;
  error: string | null;
  /** A failed node whose run goes on (continue_on_error). */
  continued: boolean;
  log: LogEntry | LogEntry[] | null;
  tries: number;
  /** The JSON size of `output` (0 when there is none to keep). */
  outputBytes: number;
};

/**
 * Runs one node: renders and parses its params, applies its timeout per try and retries with backoff. An output
 * larger than NODE_MAX_OUTPUT_BYTES is a failure of the try like any other (retried, continue_on_error).
 * Never throws for a node's own failure; when `signal` aborts (the run stops) it fails at once without retry.
 */
export async function runNode(
  plan: PlanNode,
  context: RunContext,
  logger: Logger,
  signal: AbortSignal,
  wait?: WaitState,
  limits: EngineLimits = DEFAULT_ENGINE_LIMITS,
  children?: ChildRuns,
): Promise<NodeOutcome> {
  const { node } = plan;
  const logs: LogEntry[] = [];
  const ctx: NodeContext = {
    nodeId: node.id,
    context,
    logger,
    log: (level, message) => {
      logs.push({ level, message });
      logger.log(level, "workflow log", { nodeId: node.id, text: message });
    },
    ...(wait !== undefined && { wait }),
    expressionLimits: limits.expressions,
    ...(children !== undefined && { children }),
  };
  const logOf = () => (logs.length === 0 ? null : logs.length === 1 ? logs[0]! : logs);
  let error = "";
  let tries = 0;
  // A node parked on child runs resumes at the try it parked in: its earlier tries are spent.
  const firstTry = wait?.kind === "children" ? wait.node_try : 1;
  for (let attempt = firstTry; attempt <= node.retry.max_attempts; attempt++) {
    tries = attempt;
    ctx.nodeTry = attempt;
    try {
      const output = (await tryOnce(plan, ctx, signal)) ?? null;
      const outputBytes = measureNodeOutput(output, limits.nodeMaxOutputBytes);
      return { status: "succeeded", output, error: null, continued: false, log: logOf(), tries, outputBytes };
    } catch (err) {
      if (err instanceof ParkRequest) {
        const log = logOf();
        return {
          status: "waiting",
          wait: err.state,
          output: null,
          error: null,
          continued: false,
          log,
          tries,
          outputBytes: 0,
        };
      }
      error = errorMessage(err);
      if (signal.aborted) break;
      if (attempt < node.retry.max_attempts) {
        const delayMs = retryDelayMs(node.retry, attempt);
        logger.info("node failed, retrying", { nodeId: node.id, attempt, delayMs, error });
        if (!(await sleep(delayMs, signal))) break;
      }
    }
  }
  if (node.continue_on_error && !signal.aborted) {
    const output = { error };
    // The message is bounded by what produced it; measured so the run's total counts it.
    const outputBytes = measureNodeOutput(output, Number.MAX_SAFE_INTEGER);
    return { status: "failed", output, error, continued: true, log: logOf(), tries, outputBytes };
  }
  return { status: "failed", output: null, error, continued: false, log: logOf(), tries, outputBytes: 0 };
}

async function tryOnce(plan: PlanNode, ctx: NodeContext, runSignal: AbortSignal): Promise<unknown> {
  const params =
    plan.staticParams !== null
      ? plan.staticParams.value
      : await renderParams(plan, ctx.context, {
          ...(ctx.expressionLimits && { limits: ctx.expressionLimits }),
          signal: runSignal,
        });
  const seconds = plan.node.timeout_seconds;
  if (seconds === undefined) return abortable(plan.type.run(params, ctx, runSignal), runSignal);
  const controller = new AbortController();
  const signal = AbortSignal.any([runSignal, controller.signal]);
  const timer = setTimeout(() => controller.abort(new Error(`timed out after ${seconds} seconds`)), seconds * 1_000);
  try {
    return await abortable(plan.type.run(params, ctx, signal), signal);
  } finally {
    clearTimeout(timer);
  }
}

async function renderParams(plan: PlanNode, context: RunContext, options: EvaluationOptions): Promise<unknown> {
  const rendered: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(plan.node.params)) {
    const v = isVerbatim(plan.type, key) ? value : await renderTemplate(value, context, options);
    if (v !== undefined) setOwn(rendered, key, v);
  }
  const parsed = plan.type.params.safeParse(rendered);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? "" : `${issue.path.map(String).join(".")}: `;
    throw new Error(`invalid params: ${where}${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

/** Settles with `work`, or rejects with the abort reason as soon as `signal` aborts (a node that ignores it). */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(reasonOf(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(reasonOf(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err instanceof Error ? err : new Error(errorMessage(err)));
      },
    );
  });
}

function reasonOf(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error("aborted");
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
