import { z } from "zod";
import type { Db } from "../db";
import type { Logger } from "../logger";
import { executeGraph, type GraphOutcome, type StepRecord } from "../engine/execute-graph";
import { withDbRetry } from "../db-retry";
import { recordStepsDurably, runWriteRetry, transitionRunDurably } from "./durable-writes";
import type { RunRow } from "./run-row";
import type { RunAborts } from "./run-cancellation";
import { enqueueRetry, enqueueWake, type Queues } from "../jobs/queues";
import { getRetryPolicy, retryDelayMs } from "../workflows/retry-policy";
import type { WaitingFor } from "../engine/wait-state";
import { listCheckpoints } from "./step-checkpoints";
import type { transitionRun } from "./transition-run";
import { RunHandOver, type ActiveRuns } from "./active-runs";
import type { TransitionBatcher } from "./transition-batcher";
import { parkRun } from "./park-run";
import type { Metrics } from "../observability/metrics";
import { formatScheduledFor } from "../timestamp";
import { type VersionCache } from "./version-cache";
import { refuseOutcome } from "./refuse-outcome";
import { releaseRun } from "./release-run";
import { handOverRun } from "./hand-over-run";
import { startLimitedRun, type LimitedStart, type StartRefusal } from "../flow/start-limited-run";
import { resumeLimitedRun } from "../flow/resume-limited-run";
import type { Transition } from "./transition";
import { wakeBlockedRuns, type WokenHandOff } from "../flow/wake-blocked-runs";
import type { FlowBatchers, LimitedCandidate } from "../flow/flow-batchers";
import type { EngineLimits } from "../engine/engine-limits";
import { evaluateExpression } from "../engine/compile-expression";
import { errorMessage } from "../errors";
import { createChildRuns, settleFinishedChild, type ChildRunDeps } from "./child-runs";
import { resumeIfChildrenDone } from "./resume-if-children-done";
import type { RunChangePublisher } from "../run-events/run-change-publisher";

/**
 * `versions` holds the node registry: a version is planned against it once. `runTimeoutSeconds`: the worker's
 * default (RUN_TIMEOUT_SECONDS) for runs whose runnable_config sets none.
 */
export type RunExecutionDeps = {
  db: Db;
  logger: Logger;
  versions: VersionCache;
  runTimeoutSeconds?: number;
  /** The runs this process executes, so a cancel heard on Redis can abort them. */
  aborts?: RunAborts;
  /** Where a parked run's resume job goes. */
  queues?: Pick<Queues, "runQueue">;
  /** The worker's run metrics (start latency, outcomes, durations). */
  metrics?: Pick<Metrics, "runStarted" | "runFinished">;
  /** Called for every finished step, in the run's trace context (tracing: a span per step). */
  traceStep?: (step: StepRecord) => void;
  /** How long a run's writes retry while Postgres is unreachable (DATABASE_RETRY_MAX_SECONDS); default 120 s. */
  dbRetryMaxMs?: number;
  /** This worker's lease on the runs it starts (RUN_LEASE_SECONDS); without it a running run has no lease. */
  lease?: { owner: string; seconds: number };
  /** The started runs of this worker: its heartbeat renews their leases, a shutdown hands them over. */
  active?: ActiveRuns;
  /** Starts and outcomes of runs in flight together share statements (`createTransitionBatcher`). */
  transitions?: TransitionBatcher;
  /** Expression budgets and output sizes (EXPRESSION_*, NODE_MAX_OUTPUT_BYTES, RUN_MAX_STATE_BYTES); defaults without. */
  limits?: EngineLimits;
  /** Child runs of workflow and map nodes (MAX_RUN_DEPTH, MAP_MAX_ITEMS); without, those nodes fail. */
  childRuns?: ChildRunDeps;
  /** The limited starts' reads and the freed slots' wakes of one turn share statements (`createFlowBatchers`). */
  flow?: FlowBatchers;
  /** Tells the API processes about the changes written outside `transitions` (steps, parking), after the commit. */
  changes?: RunChangePublisher;
};

/**
 * `postponed`: the run's run_at is still ahead; the job was handed back to wait until then. `released`: the worker
 * shut down past its deadline and gave the run back to pending, with a job of its own. `blocked`: its workflow's
 * limits refused the start; the run waits pending until a finishing run wakes it (or its rate window comes).
 */
export type ExecuteRunResult =
  "skipped" | "succeeded" | "failed" | "refused" | "postponed" | "waiting" | "released" | "blocked";

const ACTOR = "worker";

/** runnable_config keys the executor reads; a bad value falls back rather than failing every run. */
const ExecutionConfig = z.object({
  max_parallel: z.number().int().min(1).max(64).default(4).catch(4),
  // Bounded so the timer stays within setTimeout's range (about 24 days).
  timeout_seconds: z
    .number()
    .positive()
    .max(7 * 86_400)
    .optional()
    .catch(undefined),
});

/**
 * execute_run(run_id). Starts the run with one guarded update (pending → running, attempt + 1), executes its
 * version's graph and records the outcome fenced on that attempt, so a worker that lost the run cannot
 * overwrite it. Workflow errors are recorded and returned, never thrown; an infrastructure error (Postgres
 * gone) hands the run back to pending when it can and rethrows, so the job's retry starts it again.
 *
 * Steps of nodes without side effects are buffered and written in the outcome's own statement; a step of a
 * node with side effects is written (with everything buffered before it) as soon as it finishes, and before
 * its successors start, so a resumed run never repeats an effect that was recorded as done.
 */
export async function executeRun(
  deps: RunExecutionDeps,
  job: {
    runId: string;
    jobId: string;
    signal?: AbortSignal;
    /** Called when the job came before the run's run_at (a delayed job never does, a re-added one may). */
    postpone?: (until: Date) => Promise<void>;
    /** A resume job: takes up a waiting run (waiting → running, same attempt) instead of starting a pending one. */
    resume?: boolean;
    /**
     * Woken by a run that freed its slot: a run of a limited workflow, started by the limited start at once, with
     * what it reads (read by the wake).
     */
    woken?: LimitedCandidate;
    /** Takes the runs this run's freed slot wakes, to start them here (`executeWithWoken`); without, enqueued. */
    handOff?: WokenHandOff;
  },
): Promise<ExecuteRunResult> {
  // Tracked before the start, so a cancel published as soon as the run is running finds it here.
  const stop = new AbortController();
  const untrack = deps.aborts?.track(job.runId, stop);
  const forward = () => stop.abort(job.signal?.reason);
  if (job.signal?.aborted === true) forward();
  else job.signal?.addEventListener("abort", forward, { once: true });
  try {
    return await startAndExecute(deps, { ...job, signal: stop.signal }, stop);
  } finally {
    untrack?.();
    job.signal?.removeEventListener("abort", forward);
  }
}

async function startAndExecute(
  deps: RunExecutionDeps,
  job: Parameters<typeof executeRun>[1] & { signal: AbortSignal },
  stop: AbortController,
): Promise<ExecuteRunResult> {
  const { db, logger } = deps;
  const { runId, jobId } = job;
  const resumed = job.resume === true;
  const retry = runWriteRetry(deps, runId, jobId);
  const resumeOf = (): Transition => ({
    runId,
    to: "running",
    from: ["waiting"],
    actor: ACTOR,
    action: "run_resumed",
    lease: deps.lease,
  });
  const unlimitedStart = () =>
    transitionRunDurably(db, { ...startOf(deps, runId), slot: "unlimited" }, retry, deps.transitions);
  let run = resumed
    ? await transitionRunDurably(db, { ...resumeOf(), slot: "unlimited" }, retry, deps.transitions)
    : job.woken !== undefined
      ? null
      : await unlimitedStart();
  // Refused: maybe a run of a workflow with flow limits, which starts (or resumes) by asking them: a resume takes a
  // concurrency slot again, as a start does (`startLimitedRun`, `resumeLimitedRun`). A woken run asks them first,
  // and takes the unlimited start only if its workflow's limits have been removed since.
  const expressions = deps.limits?.expressions;
  const limitedStart =
    run !== null
      ? null
      : resumed
        ? await resumeLimitedRun(db, resumeOf(), retry, expressions)
        : await startLimitedRun(db, startOf(deps, runId), retry, {
            ...(expressions !== undefined && { limits: expressions }),
            ...(deps.transitions !== undefined && { transitions: deps.transitions }),
            ...(deps.flow !== undefined && { flow: deps.flow }),
            ...(job.woken !== undefined && { candidate: job.woken }),
          });
  if (limitedStart === null && job.woken !== undefined && !resumed) run = await unlimitedStart();
  if (limitedStart !== null && "blocked" in limitedStart) {
    if (limitedStart.blocked === "concurrency" && resumed) {
      logger.info("run waits for a concurrency slot to resume", { runId, jobId });
      return "blocked";
    }
    return waitToStart(deps, job, limitedStart);
  }
  const limited = limitedStart;
  if (limited !== null) {
    run = limited.run;
    // Not through the batcher (a one-run statement): announced here.
    deps.changes?.changed(run);
  }
  if (run === null && resumed) {
    logger.info("run not waiting, skipping its resume", { runId, jobId });
    return "skipped";
  }
  if (run === null) {
    const current = await withDbRetry(
      () => db.run.findUnique({ where: { id: runId }, select: { status: true, runAt: true } }),
      retry,
    );
    if (current?.status === "pending" && current.runAt !== null && job.postpone !== undefined) {
      logger.info("run not due yet, postponing its job", { runId, jobId, runAt: current.runAt.toISOString() });
      await job.postpone(current.runAt);
      return "postponed";
    }
    if (current === null) logger.info("run not found, skipping", { runId, jobId });
    else
      logger.info(`run already in status ${current.status}, skipping`, {
        runId,
        jobId,
        status: current.status,
        reason: "not_pending",
      });
    return "skipped";
  }
  const startedAt = Date.now();
  const { workflowId, attempt } = run;
  logger.info(resumed ? "run resumed" : "run started", { runId, jobId, workflowId, attempt });
  if (!resumed) deps.metrics?.runStarted(run);
  const untrack = deps.active?.add({ runId, attempt, stop });
  try {
    const outcome = await executeStarted(deps, run, stop, resumed);
    // Handed over only if the abort stopped it: a graph that finished before the deadline records its outcome.
    const reason: unknown = job.signal.reason;
    if (job.signal.aborted && reason instanceof RunHandOver && outcome.outcome.status === "failed") {
      return await handOverRun(deps, run, jobId, outcome.steps, reason.message);
    }
    return await recordOutcome(deps, run, jobId, outcome, startedAt);
  } catch (err) {
    await releaseRun(deps, run, jobId, err);
    throw err;
  } finally {
    untrack?.();
    // The run left running whichever way it went: its slot is free for the oldest run waiting for one.
    if (limited !== null && deps.queues !== undefined) await wakeAfter(deps, deps.queues, limited, job.handOff);
  }
}

/** A run refused a start by its workflow's limits: it waits pending, its job done or delayed to its rate window. */
async function waitToStart(
  deps: RunExecutionDeps,
  job: Parameters<typeof executeRun>[1],
  refusal: StartRefusal,
): Promise<ExecuteRunResult> {
  const { runId, jobId } = job;
  if (refusal.blocked === "concurrency") {
    deps.logger.info("run waits for a concurrency slot", { runId, jobId });
    return "blocked";
  }
  const message =
    refusal.blocked === "rate_limit" ? "run waits for its rate limit window" : "run start contended, trying again";
  deps.logger.info(message, { runId, jobId, runAt: refusal.until.toISOString() });
  if (job.postpone !== undefined) {
    await job.postpone(refusal.until);
    return "postponed";
  }
  if (deps.queues !== undefined) {
    await enqueueWake(deps.queues, { id: runId, ...refusal.route }, Date.now(), refusal.until);
  }
  return "blocked";
}

/** A worker's start of a pending run: attempt + 1, only once its run_at has come, with this worker's lease. */
function startOf(deps: RunExecutionDeps, runId: string) {
  return {
    runId,
    to: "running",
    from: ["pending"],
    actor: ACTOR,
    action: "run_started",
    start: true,
    due: true,
    lease: deps.lease,
  } as const satisfies Parameters<typeof transitionRun>[1];
}

async function wakeAfter(
  deps: RunExecutionDeps,
  queues: Pick<Queues, "runQueue">,
  limited: LimitedStart,
  handOff: WokenHandOff | undefined,
) {
  try {
    const slot = { workflowId: limited.run.workflowId, key: limited.key, workflowWide: limited.workflowWide };
    await wakeBlockedRuns({ db: deps.db, queues, ...(deps.flow !== undefined && { flow: deps.flow }) }, slot, handOff);
  } catch (err) {
    // The woken runs stay pending: the reconciler enqueues them again.
    deps.logger.warn("blocked runs not woken", { runId: limited.run.id, error: errorMessage(err) });
  }
}

type RecordedOutcome = {
  outcome: GraphOutcome | { status: "failed"; nodeId: null; error: string };
  steps: StepRecord[];
  /** The graph's `output`, evaluated when the run succeeded. */
  result?: { value: unknown };
};

/** `stop`: aborted by a cancel, a hand-over or the BullMQ job's own signal; the run's timeout aborts it too. */
async function executeStarted(
  deps: RunExecutionDeps,
  run: RunRow,
  stop: AbortController,
  resumed: boolean,
): Promise<RecordedOutcome> {
  const retry = runWriteRetry(deps, run.id, "");
  const version = await withDbRetry(() => deps.versions.load(run.workflowVersionId), retry);
  if (version === null)
    return { outcome: { status: "failed", nodeId: null, error: "Workflow version not found" }, steps: [] };
  if (!version.ok) return { outcome: { status: "failed", nodeId: null, error: version.error }, steps: [] };
  // Steps are only ever written under the attempt that started them, so a first start has none to reuse; a
  // resume keeps its attempt and reuses that attempt's steps too (written before it parked, or by a signal).
  const checkpoints =
    resumed || run.attempt > 1
      ? await withDbRetry(() => listCheckpoints(deps.db, run.id, resumed ? run.attempt + 1 : run.attempt), retry)
      : undefined;
  const config = ExecutionConfig.parse({ ...asObject(version.runnableConfig), ...asObject(run.runnableConfig) });
  config.timeout_seconds ??= deps.runTimeoutSeconds;

  const buffer: StepRecord[] = [];
  const flush = async () => {
    if (buffer.length === 0) return;
    await recordStepsDurably(deps.db, run.id, run.attempt, buffer.splice(0), retry);
    deps.changes?.stepsRecorded(run);
  };
  const timer =
    config.timeout_seconds === undefined
      ? undefined
      : setTimeout(
          () => stop.abort(new Error(`Run timed out after ${config.timeout_seconds} seconds`)),
          config.timeout_seconds * 1_000,
        );
  try {
    const outcome = await executeGraph({
      plan: version.plan,
      input: run.inputPayload ?? {},
      run: {
        id: run.id,
        workflow_id: run.workflowId,
        triggered_by: run.triggeredBy,
        attempt: run.attempt,
        scheduled_for: run.cronOccurrence === null ? null : formatScheduledFor(new Date(run.cronOccurrence)),
      },
      maxParallel: config.max_parallel,
      checkpoints,
      // A resume, and a later start of a run that parked before (a takeover or hand-over after its resume): each
      // parked node gets its wait back, so a delay already served is not served again.
      ...((resumed || run.waitingFor !== null) && { waits: (run.waitingFor ?? {}) as WaitingFor }),
      logger: deps.logger.child({ runId: run.id, workflowId: run.workflowId }),
      signal: stop.signal,
      ...(deps.limits !== undefined && { limits: deps.limits }),
      ...(deps.childRuns !== undefined && { children: createChildRuns(deps.childRuns, run) }),
      onStep: async (step) => {
        deps.traceStep?.(step);
        buffer.push(step);
        if (step.sideEffects && step.status !== "skipped") await flush();
      },
    });
    if (outcome.status !== "succeeded" || version.plan.output === undefined) return { outcome, steps: buffer };
    return { ...(await evaluateOutput(deps, run, version.plan.output, outcome.steps, stop.signal)), steps: buffer };
  } finally {
    clearTimeout(timer);
  }
}

/** The graph's `output` over the finished run's context; an expression that fails fails the run. */
async function evaluateOutput(
  deps: RunExecutionDeps,
  run: RunRow,
  output: string,
  steps: Record<string, unknown>,
  signal: AbortSignal,
): Promise<Omit<RecordedOutcome, "steps">> {
  const context = {
    input: run.inputPayload ?? {},
    steps,
    run: { id: run.id, workflow_id: run.workflowId, triggered_by: run.triggeredBy, attempt: run.attempt },
  };
  try {
    const value = await evaluateExpression(output, context, {
      ...(deps.limits !== undefined && { limits: deps.limits.expressions }),
      signal,
    });
    return { outcome: { status: "succeeded", steps }, result: { value: value ?? null } };
  } catch (err) {
    return { outcome: { status: "failed", nodeId: null, error: `output: ${errorMessage(err)}` } };
  }
}

async function recordOutcome(
  deps: RunExecutionDeps,
  run: RunRow,
  jobId: string,
  { outcome, steps, result }: RecordedOutcome,
  startedAt: number,
): Promise<ExecuteRunResult> {
  const { db, logger } = deps;
  const { id: runId, workflowId, attempt } = run;
  const retry = runWriteRetry(deps, runId, jobId);
  const transition = (t: Parameters<typeof transitionRun>[1]) => transitionRunDurably(db, t, retry, deps.transitions);
  if (outcome.status === "waiting") {
    await recordStepsDurably(db, runId, attempt, steps, retry);
    const parked = await parkRun(deps, run, jobId, outcome.waitingFor);
    if (parked === "waiting") await resumeIfChildrenDone(deps, run, outcome.waitingFor);
    return parked;
  }
  // The buffered steps go in the outcome's statement: one round trip finishes the run.
  const fence = { runId, from: ["running"] as const, attempt, actor: ACTOR, steps };
  if (outcome.status === "succeeded") {
    // The input is stored once (input_payload): the API puts it back as final_state.input (`outputPayloadOf`).
    const done = await transition({
      ...fence,
      to: "succeeded",
      action: "run_succeeded",
      outputPayload: { final_state: { steps: outcome.steps }, ...(result !== undefined && { result: result.value }) },
    });
    if (done === null) return refuseOutcome(deps, run, jobId);
    if (deps.childRuns !== undefined) await settleFinishedChild(deps.childRuns, run);
    logger.info("run completed", { runId, jobId, workflowId, durationMs: Date.now() - startedAt });
    deps.metrics?.runFinished("succeeded", Date.now() - startedAt);
    return "succeeded";
  }
  const error = outcome.nodeId === null ? outcome.error : `${outcome.nodeId}: ${outcome.error}`;
  const policy = await withDbRetry(() => getRetryPolicy(db, workflowId), retry);
  if (attempt < policy.max_attempts && deps.queues !== undefined) {
    const delayMs = retryDelayMs(policy, attempt);
    const runAt = new Date(Date.now() + delayMs);
    const metadata = { error, delay_seconds: delayMs / 1000, next_attempt: attempt + 1 };
    const pending = await transition({
      ...fence,
      to: "pending",
      action: "run_retry_scheduled",
      error,
      runAt,
      metadata,
    });
    if (pending === null) return refuseOutcome(deps, run, jobId);
    logger.info("run retry scheduled", { runId, jobId, workflowId, error, runAt: runAt.toISOString() });
    deps.metrics?.runFinished("retry_scheduled", Date.now() - startedAt);
    await enqueueRetry(deps.queues, run, attempt + 1, runAt);
    return "failed";
  }
  const done = await transition({ ...fence, to: "failed", action: "run_failed", error, metadata: { error } });
  if (done === null) return refuseOutcome(deps, run, jobId);
  if (deps.childRuns !== undefined) await settleFinishedChild(deps.childRuns, run);
  logger.info("run failed", { runId, jobId, workflowId, error });
  deps.metrics?.runFinished("failed", Date.now() - startedAt);
  return "failed";
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
