import { z } from "zod";
import { RetentionDays, type Config } from "../config";
import type { Db } from "../db";

/**
 * A workflow's retention override (PUT /api/workflows/{ref}/retention). A PUT replaces both fields; null (or an
 * omitted field) falls back to the global setting.
 */
export const RetentionBody = z.strictObject({
  days: z.number().int().min(1).max(36_500).nullish().meta({
    description:
      "Days a succeeded or cancelled run of this workflow is kept after completed_at; null: RUN_RETENTION_DAYS.",
  }),
  failed_days: z.number().int().min(1).max(36_500).nullish().meta({
    description:
      "Days a failed run of this workflow is kept; null: this workflow's `days` when set, else RUN_RETENTION_DAYS_FAILED, else RUN_RETENTION_DAYS.",
  }),
});
export type RetentionBody = z.infer<typeof RetentionBody>;

/** Days each terminal status is kept, after the precedence rules. */
export const EffectiveRetention = z.strictObject({
  succeeded: RetentionDays,
  failed: RetentionDays,
  cancelled: RetentionDays,
});
export type EffectiveRetention = z.infer<typeof EffectiveRetention>;

export const RetentionResponse = z.strictObject({
  days: RetentionDays.nullable(),
  failed_days: RetentionDays.nullable(),
  effective: EffectiveRetention.meta({
    description: "The windows the purge applies to this workflow's runs, in days.",
  }),
});
export type RetentionResponse = z.infer<typeof RetentionResponse>;

export type GlobalRetention = Pick<Config, "RUN_RETENTION_DAYS" | "RUN_RETENTION_DAYS_FAILED">;
export type WorkflowRetention = { days: number | null; failedDays: number | null };

/**
 * The precedence, most specific first. Failed runs: the workflow's failed_days, the workflow's days,
 * RUN_RETENTION_DAYS_FAILED, RUN_RETENTION_DAYS. Succeeded and cancelled runs: the workflow's days,
 * RUN_RETENTION_DAYS. The purge's SQL (purge-expired-runs.ts) applies the same rules.
 */
export function effectiveRetention(global: GlobalRetention, workflow: WorkflowRetention): EffectiveRetention {
  const days = workflow.days ?? global.RUN_RETENTION_DAYS;
  const failed = workflow.failedDays ?? workflow.days ?? global.RUN_RETENTION_DAYS_FAILED ?? global.RUN_RETENTION_DAYS;
  return { succeeded: days, failed, cancelled: days };
}

function toResponse(global: GlobalRetention, workflow: WorkflowRetention): RetentionResponse {
  return { days: workflow.days, failed_days: workflow.failedDays, effective: effectiveRetention(global, workflow) };
}

export async function getRetention(db: Db, global: GlobalRetention, workflowId: string): Promise<RetentionResponse> {
  const row = await db.workflow.findUnique({
    where: { id: workflowId },
    select: { retentionDays: true, retentionDaysFailed: true },
  });
  return toResponse(global, { days: row?.retentionDays ?? null, failedDays: row?.retentionDaysFailed ?? null });
}

export async function updateRetention(
  db: Db,
  global: GlobalRetention,
  workflowId: string,
  body: RetentionBody,
): Promise<RetentionResponse> {
  const workflow = { days: body.days ?? null, failedDays: body.failed_days ?? null };
  await db.workflow.update({
    where: { id: workflowId },
    data: { retentionDays: workflow.days, retentionDaysFailed: workflow.failedDays },
  });
  return toResponse(global, workflow);
}
