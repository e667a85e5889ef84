import { z } from "zod";
import type { Db } from "../db";
import type { Logger } from "../logger";
import { errorMessage } from "../engine/compile-expression";
import { executeGraph, type GraphOutcome, type StepRecord } from "../engine/execute-graph";
import type { VersionCache } from "./execute-version-cache";
import { recordSteps } from "./record-step";
import type { RunRow } from "./run-row";
import { loadCheckpoints } from "./step-checkpoints";
import { transitionRun } from "./transition-run";
import { formatScheduledFor } from "../triggers/cron/cron-schedule";

/** `versions` holds the node registry: a version is planned against it once. */
export type RunExecutionDeps = { db: Db; logger: Logger; versions: VersionCache };

export type ExecuteRunResult = "skipped" | "succeeded" | "failed" | "refused";

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
  job: { runId: string; jobId: string; signal?: AbortSignal },
): Promise<ExecuteRunResult> {
  const { db, logger } = deps;
  const { runId, jobId } = job;
  const run = await transitionRun(db, {
    runId,
    to: "running",
    from: ["pending"],
    actor: ACTOR,
    action: "run_started",
    start: true,
  });
  if (run === null) {
    const current = await db.run.findUnique({ where: { id: runId }, select: { status: true } });
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
  logger.info("run started", { runId, jobId, workflowId, attempt });
  try {
    const outcome = await executeStarted(deps, run, job.signal);
    return await recordOutcome(deps, run, jobId, outcome, startedAt);
  } catch (err) {
    await releaseRun(deps, run, jobId, err);
    throw err;
  }
}

type RecordedOutcome = {
  outcome: GraphOutcome | { status: "failed"; nodeId: null; error: string };
  steps: StepRecord[];
};

async function executeStarted(deps: RunExecutionDeps, run: RunRow, stop?: AbortSignal): Promise<RecordedOutcome> {
  const version = await deps.versions.load(run.workflowVersionId);
  if (version === null)
    return { outcome: { status: "failed", nodeId: null, error: "Workflow version not found" }, steps: [] };
  if (!version.ok) return { outcome: { status: "failed", nodeId: null, error: version.error }, steps: [] };
  // Steps are only ever written under the attempt that started them, so a first attempt has none to reuse.
  const checkpoints = run.attempt > 1 ? await loadCheckpoints(deps.db, run.id, run.attempt) : undefined;
  const config = ExecutionConfig.parse({ ...asObject(version.runnableConfig), ...asObject(run.runnableConfig) });

  const buffer: StepRecord[] = [];
  const flush = async () => {
    if (buffer.length > 0) await recordSteps(deps.db, run.id, run.attempt, buffer.splice(0));
  };
  const controller = new AbortController();
  const timer =
    config.timeout_seconds === undefined
      ? undefined
      : setTimeout(
          () => controller.abort(new Error(`Run timed out after ${config.timeout_seconds} seconds`)),
          config.timeout_seconds * 1_000,
        );
  const forward = () => controller.abort(stop?.reason);
  stop?.addEventListener("abort", forward, { once: true });
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
      logger: deps.logger.child({ runId: run.id, workflowId: run.workflowId }),
      signal: controller.signal,
      onStep: async (step) => {
        buffer.push(step);
        if (step.sideEffects && step.status !== "skipped") await flush();
      },
    });
    return { outcome, steps: buffer };
  } finally {
    clearTimeout(timer);
    stop?.removeEventListener("abort", forward);
  }
}

async function recordOutcome(
  deps: RunExecutionDeps,
  run: RunRow,
  jobId: string,
  { outcome, steps }: RecordedOutcome,
  startedAt: number,
): Promise<ExecuteRunResult> {
  const { db, logger } = deps;
  const { id: runId, workflowId, attempt } = run;
  // The buffered steps go in the outcome's statement: one round trip finishes the run.
  const fence = { runId, from: ["running"] as const, attempt, actor: ACTOR, steps };
  if (outcome.status === "succeeded") {
    const finalState = { input: run.inputPayload ?? {}, steps: outcome.steps };
    const done = await transitionRun(db, {
      ...fence,
      to: "succeeded",
      action: "run_succeeded",
      outputPayload: { final_state: finalState },
    });
    if (done === null) return refuse(deps, run, jobId);
    logger.info("run completed", { runId, jobId, workflowId, durationMs: Date.now() - startedAt });
    return "succeeded";
  }
  const error = outcome.nodeId === null ? outcome.error : `${outcome.nodeId}: ${outcome.error}`;
  const done = await transitionRun(db, { ...fence, to: "failed", action: "run_failed", error, metadata: { error } });
  if (done === null) return refuse(deps, run, jobId);
  logger.info("run failed", { runId, jobId, workflowId, error });
  return "failed";
}

/** The fenced outcome changed nothing: the run was cancelled or taken over while this worker executed it. */
async function refuse(deps: RunExecutionDeps, run: RunRow, jobId: string): Promise<ExecuteRunResult> {
  const now = await deps.db.run.findUnique({ where: { id: run.id }, select: { status: true, attempt: true } });
  const reason =
    now === null
      ? "run no longer exists"
      : `run is ${now.status} at attempt ${now.attempt}; this worker ran attempt ${run.attempt}`;
  deps.logger.warn("run outcome refused", { runId: run.id, jobId, reason });
  return "refused";
}

/** Best effort: back to pending (fenced) so the job's retry restarts the run from its checkpoints. */
async function releaseRun(deps: RunExecutionDeps, run: RunRow, jobId: string, err: unknown): Promise<void> {
  const error = errorMessage(err);
  deps.logger.error("run interrupted by an infrastructure error", {
    runId: run.id,
    jobId,
    workflowId: run.workflowId,
    error,
  });
  try {
    await transitionRun(deps.db, {
      runId: run.id,
      to: "pending",
      from: ["running"],
      attempt: run.attempt,
      actor: ACTOR,
      action: "run_requeued",
      metadata: { error },
    });
  } catch (releaseErr) {
    deps.logger.warn("run left running, it could not be handed back", {
      runId: run.id,
      jobId,
      error: errorMessage(releaseErr),
    });
  }
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
