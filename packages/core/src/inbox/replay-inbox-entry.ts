import type { Deps } from "../deps";
import { ConflictError } from "../errors";
import { createRuns, type CreatedRun } from "../runs/create-runs";
import { enqueueCreated } from "../runs/dispatch-runs";
import { findWebhookTarget } from "../triggers/webhook/find-webhook-target";
import { createWebhookInput, parseWebhookBody } from "../triggers/webhook/webhook-input";
import { getInboxEntry } from "./get-inbox-entry";

/**
 * `POST /api/inbox/{id}/replay`: a new run from the stored request, as if it had just been accepted by the
 * workflow's latest version (`triggered_by: "replay"`). Signature, replay and rate-limit checks are not applied
 * (an operator's decision); the run's `run_created` audit entry names the actor and the entry. A body kept cut at
 * INBOX_MAX_BODY_BYTES is not the request that was sent: 409.
 */
export async function replayInboxEntry(
  deps: Pick<Deps, "db" | "queues" | "logger" | "changes"> & Partial<Pick<Deps, "metrics">>,
  id: string,
  audit: { actor: string; metadata: Record<string, unknown> },
): Promise<CreatedRun> {
  const { row, body } = await getInboxEntry(deps.db, id);
  if (row.bodyTruncated) throw new ConflictError("The inbox entry's body was not kept whole; it cannot be replayed");
  const target = await findWebhookTarget(deps.db, row.workflowId);
  const inputPayload = createWebhookInput({
    body: parseWebhookBody(body),
    headers: row.headers,
    query: row.query,
    sourceIp: row.sourceIp,
    config: target.config,
  });
  const [created] = await createRuns(deps.db, [
    {
      workflowId: target.workflowId,
      workflowVersionId: target.versionId,
      triggeredBy: "replay",
      inputPayload,
      execute: true,
      actor: audit.actor,
      auditMetadata: { ...audit.metadata, inbox_entry_id: row.id, replay_of_outcome: row.outcome },
    },
  ]);
  if (created === undefined) throw new Error("replay run insert returned no row");
  await enqueueCreated(deps, [created]);
  deps.logger.info("inbox entry replayed", { runId: created.run.id, workflowId: row.workflowId, inboxEntryId: row.id });
  return created;
}
