import type { Workflow, WorkflowVersion } from "../generated/prisma/client";
import type { VersionResponse, WorkflowResponse } from "./workflow-response";
import { iso } from "../timestamp";

export function toWorkflowJson(
  w: Workflow,
  extra: { latestVersion: number | null; isScheduled: boolean },
): WorkflowResponse {
  return {
    id: w.id,
    handle: w.handle,
    slug: w.slug,
    name: w.name,
    description: w.description,
    tags: w.tags,
    is_archived: w.isArchived,
    latest_version: extra.latestVersion,
    is_scheduled: extra.isScheduled,
    created_at: iso(w.createdAt),
    updated_at: iso(w.updatedAt),
  };
}

export function toVersionJson(v: WorkflowVersion): VersionResponse {
  return {
    id: v.id,
    workflow_id: v.workflowId,
    version: v.version,
    graph: v.graph,
    metadata: v.metadata,
    runnable_config: v.runnableConfig,
    notes: v.notes,
    created_by: v.createdBy,
    created_at: iso(v.createdAt),
    updated_at: iso(v.updatedAt),
  };
}
