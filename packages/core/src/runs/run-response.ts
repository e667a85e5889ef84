import { z } from "zod";
import { AUDIT_ACTIONS } from "./audit-action";
import { RUN_STATUSES } from "./run-status";
import { Timestamp } from "../timestamp";

/**
 * What the API answers for runs and execution histories, as zod schemas: the OpenAPI document is generated from
 * them, and `toRunJson` / the history builder are typed by them, so the document cannot drift from the code.
 */
export const AuditEntryResponse = z.strictObject({
  actor: z.string(),
  action: z.string().meta({ description: `What happened: ${AUDIT_ACTIONS.join(", ")}` }),
  at: Timestamp.nullable(),
  metadata: z.unknown().meta({ description: "An object: `{error}` for run_failed, `{reason}` for run_cancelled" }),
});

/** A run's child runs by status (GET /api/runs/{run_id}). */
export const ChildCounts = z.strictObject({
  total: z.number().int(),
  pending: z.number().int(),
  running: z.number().int(),
  waiting: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  cancelled: z.number().int(),
});
export type ChildCounts = z.output<typeof ChildCounts>;

export const RunResponse = z.strictObject({
  id: z.uuid(),
  workflow_id: z.uuid(),
  workflow_version_id: z.uuid(),
  status: z.enum(RUN_STATUSES),
  triggered_by: z.string(),
  input_payload: z.unknown(),
  runnable_config: z.unknown(),
  output_payload: z.unknown().meta({
    description:
      "A worker-executed run succeeds with `{final_state: {input, steps}}` (`input` is the run's input_payload, stored once and shown here too)",
  }),
  error: z.string().nullable(),
  attempt: z.number().int(),
  retry_of: z.uuid().nullable().meta({ description: "Beyond Orcheo: the run this one retries" }),
  run_at: Timestamp.nullable().meta({ description: "Beyond Orcheo: a pending run does not start before this" }),
  blocked_by: z.enum(["concurrency", "rate_limit"]).nullable().meta({
    description:
      "Beyond Orcheo: why a pending run waits: no concurrency slot yet, or no start left in its rate limit window (it starts at run_at); for a waiting run, no concurrency slot to resume in yet",
  }),
  queue: z.string().meta({ description: "Beyond Orcheo: the queue its jobs go to (its workflow's routing)" }),
  priority: z.number().int().meta({ description: "Beyond Orcheo: 1..10, 1 starts first within its queue" }),
  created_at: Timestamp.nullable(),
  updated_at: Timestamp.nullable(),
  started_at: Timestamp.nullable(),
  completed_at: Timestamp.nullable(),
  parent_run_id: z
    .uuid()
    .nullable()
    .meta({ description: "Beyond Orcheo: the run whose workflow or map node created this one; null at the top" }),
  root_run_id: z.uuid().meta({ description: "Beyond Orcheo: the top-level ancestor (the run itself at the top)" }),
  audit_log: z.array(AuditEntryResponse),
  children: ChildCounts.optional().meta({
    description: "Beyond Orcheo, GET /api/runs/{run_id} only: this run's child runs by status",
  }),
});
export type RunResponse = z.output<typeof RunResponse>;

export const ExecutionHistoryResponse = z.strictObject({
  execution_id: z.uuid(),
  workflow_id: z.uuid(),
  status: z.enum(["running", "completed", "error", "cancelled"]),
  started_at: Timestamp.nullable(),
  completed_at: Timestamp.nullable(),
  error: z.string().nullable(),
  inputs: z.unknown(),
  steps: z.array(
    z.strictObject({
      index: z.number().int(),
      at: Timestamp.nullable(),
      payload: z.record(z.string(), z.unknown()).meta({
        description: "`{<node id>: <output>}` per step, then `{status, error?}` closing a finished run",
      }),
    }),
  ),
});
export type ExecutionHistoryResponse = z.output<typeof ExecutionHistoryResponse>;

/** Beyond Orcheo: one stored step of a run (`GET /api/runs/{run_id}/steps`, built by `listRunSteps`). */
export const RunStepResponse = z.strictObject({
  node_id: z.string(),
  attempt: z.number().int().meta({ description: "The run attempt this step belongs to (1, 2, ...)" }),
  status: z.string().meta({ description: "succeeded, failed or skipped" }),
  output: z.unknown().meta({ description: "The node's output, or null" }),
  error: z.string().nullable(),
  log: z.unknown().meta({ description: "What the node logged: `{level, message}` or a list of them, or null" }),
  started_at: Timestamp.nullable(),
  finished_at: Timestamp.nullable(),
});
export type RunStepResponse = z.output<typeof RunStepResponse>;
