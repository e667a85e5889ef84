import type { RunRow } from "./run-row";
import { transitionRun } from "./transition-run";
import { errorMessage } from "../errors";
import type { HandBackDeps } from "./refuse-outcome";

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
    const pending = await transitionRun(deps.db, {
      runId: run.id,
      to: "pending",
      from: ["running"],
      attempt: run.attempt,
      actor: "worker",
      action: "run_requeued",
      metadata: { error },
    });
    if (pending !== null) deps.changes?.changed(pending);
  } catch (releaseErr) {
    deps.logger.warn("run left running, it could not be handed back", {
      runId: run.id,
      jobId,
      error: errorMessage(releaseErr),
    });
  }
}
