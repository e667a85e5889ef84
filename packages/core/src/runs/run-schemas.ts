import { z } from "zod";
import { RunnableConfig } from "../workflows/workflow-schemas";
import { RUN_STATUSES } from "./run-status";
import { JsonObject } from "../http/json-object";
import { Priority } from "../flow/routing";

const RunPriority = Priority.optional().meta({
  description: "Beyond Orcheo: 1..10, 1 starts first within its queue; default the workflow's (GET .../routing)",
});

/**
 * Orcheo's `actor`: who the caller says acts. The audit entry names the acting API key and keeps this as
 * `metadata.actor`; with AUTH_MODE=disabled the entry names this (default `system`).
 */
const Actor = z.string().trim().min(1).max(200).optional().meta({
  description:
    "Kept as the audit entry's `metadata.actor`; the entry's `actor` is the acting API key (`api_key:<id>`). With AUTH_MODE=disabled the entry's actor is this (default `system`)",
});
const InputPayload = JsonObject.default({});
const HAS_OFFSET = /(Z|[+-]\d{2}(:?\d{2})?)$/i;
/** An instant; a naive datetime is UTC. */
const RunAt = z.iso
  .datetime({ offset: true, local: true, message: "must be an ISO-8601 datetime" })
  .transform((s) => new Date(HAS_OFFSET.test(s) ? s : `${s}Z`));

export const CreateRunBody = z.strictObject({
  workflow_version_id: z.uuid(),
  triggered_by: z.string().trim().min(1).max(100),
  input_payload: InputPayload,
  runnable_config: RunnableConfig,
  /** Beyond Orcheo: true enqueues the run for the workers, as a trigger would. */
  execute: z.boolean().default(false).meta({ description: "Beyond Orcheo: true hands the run to the workers" }),
  priority: RunPriority,
});

export const ListRunsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  status: z.enum(RUN_STATUSES).optional(),
  triggered_by: z.string().min(1).max(100).optional(),
  cursor: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .meta({ description: "Beyond Orcheo: the previous page's `X-Next-Cursor`" }),
});

export const ListExecutionsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const StartRunBody = z.strictObject({ actor: Actor });
export const SucceedRunBody = z.strictObject({ actor: Actor, output: z.unknown().optional() });
export const FailRunBody = z.strictObject({ actor: Actor, error: z.string().min(1).max(100_000) });
export const CancelRunBody = z.strictObject({
  actor: Actor,
  reason: z
    .string()
    .max(10_000)
    .nullish()
    .meta({ description: "Becomes the run's `error` and the audit entry's `{reason}`; without one `error` is null" }),
});
export const RetryRunBody = z.strictObject({ actor: Actor });

export const ManualDispatchBody = z.strictObject({
  workflow_id: z.string().min(1).max(200),
  actor: z.string().trim().min(1).max(200).optional().meta({
    description:
      "Kept as the run_created audit entry's `metadata.actor`; the entry's `actor` is the acting API key. With AUTH_MODE=disabled the entry's actor is this (default `manual`)",
  }),
  runs: z
    .array(
      z.strictObject({
        workflow_version_id: z.uuid().nullish(),
        input_payload: InputPayload,
        run_at: RunAt.nullish().meta({
          description: "Beyond Orcheo: the run is created pending and starts at this instant (a naive datetime is UTC)",
        }),
        priority: RunPriority,
      }),
    )
    .min(1)
    .max(100),
  label: z.string().trim().min(1).max(100).nullish().meta({ description: "The runs' triggered_by" }),
  priority: RunPriority.meta({ description: "Beyond Orcheo: the priority of the runs that name none themselves" }),
});
