import type { z } from "zod";
import type { Deps } from "../../deps";
import { NotFoundError } from "../../errors";
import { dispatchRuns } from "../../runs/dispatch-runs";
import { toRunJson } from "../../runs/run-row";
import type { ManualDispatchBody } from "../../runs/run-schemas";
import { latestVersion } from "../../workflows/latest-version";
import { resolveWorkflow } from "../../workflows/resolve-workflow";

/**
 * All or nothing: every version is checked before any run is created, and the runs are inserted by one
 * statement. Answers the runs in request order. `auditMetadata`: the run_created entries' metadata.
 */
export async function dispatchManualRuns(
  deps: Deps,
  body: z.infer<typeof ManualDispatchBody>,
  auditMetadata?: Record<string, unknown>,
) {
  const { db } = deps;
  const workflow = await resolveWorkflow(db, body.workflow_id, { activeOnly: true });
  const named = [
    ...new Set(body.runs.flatMap((r) => (r.workflow_version_id ? [r.workflow_version_id.toLowerCase()] : []))),
  ];
  const found = await db.workflowVersion.findMany({
    where: { id: { in: named }, workflowId: workflow.id },
    select: { id: true },
  });
  if (found.length !== named.length) throw new NotFoundError("Workflow version not found");
  const needsLatest = body.runs.some((r) => !r.workflow_version_id);
  const latestId = needsLatest ? (await latestVersion(db, workflow.id)).id : null;

  const triggeredBy = body.label ?? (body.runs.length === 1 ? "manual" : "manual_batch");
  const created = await dispatchRuns(
    deps,
    body.runs.map((r) => ({
      workflowId: workflow.id,
      workflowVersionId: r.workflow_version_id?.toLowerCase() ?? latestId!,
      triggeredBy,
      inputPayload: r.input_payload,
      runAt: r.run_at ?? null,
      priority: r.priority ?? body.priority ?? null,
      execute: true,
      actor: body.actor ?? "manual",
      ...(auditMetadata !== undefined && { auditMetadata }),
    })),
  );
  return created.map((c) => toRunJson(c.run, c.audit));
}
