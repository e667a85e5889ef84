import type { StepRecord } from "../engine/execute-graph";
import { enqueueRequeued } from "../jobs/queues";
import type { RunRow } from "./run-row";
import { runWriteRetry, transitionRunDurably } from "./durable-writes";
import { errorMessage } from "../errors";
import { refuseOutcome, type HandBackDeps } from "./refuse-outcome";

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
      actor: "worker",
      action: "run_handed_over",
      metadata: { reason, worker: deps.lease?.owner ?? null, attempt: run.attempt },
      steps,
    },
    runWriteRetry(deps, run.id, jobId),
  );
  if (pending === null) return refuseOutcome(deps, run, jobId);
  deps.changes?.changed(pending);
  deps.logger.info("run handed back to pending", { runId: run.id, jobId, reason });
  try {
    if (deps.queues !== undefined) await enqueueRequeued(deps.queues, run, "handover", run.attempt);
  } catch (err) {
    // Committed first: the reconciler enqueues a pending run whose job is missing.
    deps.logger.warn("handed-back run not enqueued, left to the reconciler", {
      runId: run.id,
      error: errorMessage(err),
    });
  }
  return "released";
}
