import type { Db } from "../db";
import type { Logger } from "../logger";
import type { StepRecord } from "../engine/execute-graph";
import { enqueueRequeued, type Queues } from "../jobs/queues";
import type { RunRow } from "./run-row";
import { transitionRun } from "./transition-run";
import { withDbRetry } from "../db-retry";
import { runWriteRetry, transitionRunDurably } from "./durable-writes";
import { errorMessage } from "../errors";

type HandBackDeps = {
  db: Db;
  logger: Logger;
  queues?: Pick<Queues, "runs">;
  lease?: { owner: string };
  dbRetryMaxMs?: number;
};

const ACTOR = "worker";

/** The fenced outcome changed nothing: the run was cancelled or taken over while this worker executed it. */
export async function refuseOutcome(deps: HandBackDeps, run: RunRow, jobId: string): Promise<"refused"> {
  const now = await withDbRetry(
    () => deps.db.run.findUnique({ where: { id: run.id }, select: { status: true, attempt: true } }),
    runWriteRetry(deps, run.id, jobId),
  );
  if (now?.status === "cancelled" && now.attempt === run.attempt) {
    deps.logger.info("run cancelled while executing", { runId: run.id, jobId });
    return "refused";
  }
  const reason =
    now === null
      ? "run no longer exists"
      : `run is ${now.status} at attempt ${now.attempt}; this worker ran attempt ${run.attempt}`;
  deps.logger.warn("run outcome refused", { runId: run.id, jobId, reason });
  return "refused";
}

/** Best effort: back to pending (fenced) so the job's retry restarts the run from its checkpoints. */
export async function releaseRun(deps: HandBackDeps, run: RunRow, jobId: string, err: unknown): Promise<void> {
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

/**
 * A worker shutting down past its deadline gives the run back at once: running → pending (fenced on the attempt,
 * with the steps it finished, so the next attempt resumes from them) and a job of its own for the next start,
 * instead of leaving the run to a lease expiry or a stalled-job check.
 */
export async function handOverRun(
  deps: HandBackDeps,
  run: RunRow,
  jobId: string,
  steps: readonly StepRecord[],
  reason: string,
): Promise<"released" | "refused"> {
  const pending = await transitionRunDurably(
    deps.db,
    {
      runId: run.id,
      to: "pending",
      from: ["running"],
      attempt: run.attempt,
      actor: ACTOR,
      action: "run_handed_over",
      metadata: { reason, worker: deps.lease?.owner ?? null, attempt: run.attempt },
      steps,
    },
    runWriteRetry(deps, run.id, jobId),
  );
  if (pending === null) return refuseOutcome(deps, run, jobId);
  deps.logger.info("run handed back to pending", { runId: run.id, jobId, reason });
  try {
    if (deps.queues !== undefined) await enqueueRequeued(deps.queues, run.id, "handover", run.attempt);
  } catch (err) {
    // Committed first: the reconciler enqueues a pending run whose job is missing.
    deps.logger.warn("handed-back run not enqueued, left to the reconciler", {
      runId: run.id,
      error: errorMessage(err),
    });
  }
  return "released";
}
