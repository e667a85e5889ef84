import { z } from "zod";
import { RUN_STATUSES } from "../runs/run-status";

/** `GET /api/events`: the status events of every run, or of one workflow's, or to one status. */
export const RunEventsQuery = z.strictObject({
  workflow: z.string().min(1).max(200).optional().meta({ description: "A workflow id or handle" }),
  status: z.enum(RUN_STATUSES).optional(),
});

const At = z.string().meta({ description: "ISO-8601 instant" });

/** The `data` of each event type (docs/run-events.md); the client's run-event.ts has the same shapes. */
export const RunStatusEventData = z.object({
  run_id: z.uuid(),
  status: z.enum(RUN_STATUSES),
  attempt: z.number().int(),
  at: At,
  workflow_id: z.uuid().optional().meta({ description: "On `GET /api/events` only" }),
});
export const RunStepEventData = z.object({
  run_id: z.uuid(),
  node_id: z.string(),
  attempt: z.number().int(),
  status: z.string(),
  output: z.unknown().optional(),
  output_truncated: z
    .boolean()
    .optional()
    .meta({ description: "The output passed 64 KiB: read it from the steps route" }),
  error: z.string().nullable(),
  started_at: At.nullable(),
  finished_at: At.nullable(),
});
export const RunLogEventData = z.object({
  run_id: z.uuid(),
  node_id: z.string(),
  level: z.string(),
  message: z.string(),
  at: At.nullable(),
});
export const RunChildEventData = z.object({
  run_id: z.uuid().meta({ description: "The parent: the run whose stream this is" }),
  child_run_id: z.uuid(),
  status: z.enum(RUN_STATUSES),
});
export const RunEndEventData = z.object({
  run_id: z.uuid(),
  status: z.enum(RUN_STATUSES),
  result: z.unknown().optional(),
  error: z.string().nullable().optional(),
});
export const RunErrorEventData = z.object({ detail: z.string() });
