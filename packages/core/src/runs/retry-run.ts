import type { Deps } from "../deps";
import { ConflictError, NotFoundError } from "../errors";
import { resolveWorkflow } from "../workflows/resolve-workflow";
import { dispatchRuns } from "./dispatch-runs";
import { toRunJson } from "./run-row";
import { findRun } from "./find-run";

export const RETRY_CONFLICT = "Only failed or cancelled runs can be retried.";

/**
 * `POST /api/runs/{id}/retry`: a new pending run with the old one's version, input and runnable_config,
 * `retry_of` pointing at it and its priority, enqueued for the workers; `actor` and `auditMetadata` make its run_created entry.
 * Reading before writing is safe here: a failed or cancelled run is terminal and never changes again.
 */
export async function retryRun(
  deps: Pick<Deps, "db" | "queues" | "logger" | "metrics" | "changes">,
  runId: string,
  actor: string,
  auditMetadata?: Record<string, unknown>,
) {
  const old = await findRun(deps.db, runId);
  if (old === null) throw new NotFoundError("Workflow run not found");
  if (old.status !== "failed" && old.status !== "cancelled") throw new ConflictError(RETRY_CONFLICT);
  // An archived workflow gets no new runs, from any path.
  await resolveWorkflow(deps.db, old.workflowId, { activeOnly: true });
  const [created] = await dispatchRuns(deps, [
    {
      workflowId: old.workflowId,
      workflowVersionId: old.workflowVersionId,
      triggeredBy: old.triggeredBy,
      inputPayload: old.inputPayload,
      runnableConfig: old.runnableConfig,
      execute: true,
      actor,
      ...(auditMetadata !== undefined && { auditMetadata }),
      retryOf: old.id,
      // Its queue is the workflow's now; the priority is the one the retried run was given.
      priority: old.priority,
    },
  ]);
  return toRunJson(created!.run, created!.audit);
}
