import { z } from "zod";
import { CancelRunBody, ManualDispatchBody } from "@switchyard/core/runs/run-schemas";
import { SearchRunsQuery } from "@switchyard/core/runs/run-search-query";
import { CronConfigBody } from "@switchyard/core/triggers/cron/cron-config";
import { SIGNAL_NAME } from "@switchyard/core/engine/nodes/wait-for-signal-node";

/**
 * The tools' arguments, snake_case, built from the REST routes' own schemas wherever the route has one (the
 * route checks them again when the tool calls it). A JSON object argument is a record here: the routes' object
 * check has no JSON Schema form for the tool listing.
 */
export const MAX_WAIT_SECONDS = 60;

const RunId = z.uuid().describe("The run's id (a UUID)");
const Workflow = ManualDispatchBody.shape.workflow_id.describe("The workflow's handle or UUID");
const JsonArgument = z.record(z.string(), z.unknown());
const dispatchRun = ManualDispatchBody.shape.runs.element.shape;

export const ListWorkflowsArgs = z.strictObject({
  include_archived: z.boolean().default(false).describe("Archived workflows too"),
});
export const GetWorkflowArgs = z.strictObject({ workflow: Workflow });

export const TriggerRunArgs = z.strictObject({
  workflow: Workflow,
  input: JsonArgument.default({}).describe("The run's input payload (a JSON object)"),
  wait_seconds: z
    .number()
    .int()
    .min(0)
    .max(MAX_WAIT_SECONDS)
    .default(0)
    .describe(`Wait this long (at most ${MAX_WAIT_SECONDS}) for the run to end and answer its result; 0: at once`),
  workflow_version_id: dispatchRun.workflow_version_id.describe("Run this version (default: the latest)"),
});

export const RunArgs = z.strictObject({ run_id: RunId });

/** `GET /api/runs`'s filters, search and cursor, as that route parses them. */
export const ListRunsArgs = SearchRunsQuery;

export const WaitForRunArgs = z.strictObject({
  run_id: RunId,
  timeout_seconds: z
    .number()
    .int()
    .min(1)
    .max(MAX_WAIT_SECONDS)
    .default(30)
    .describe(`How long to wait for the run's end, at most ${MAX_WAIT_SECONDS} s`),
});

export const CancelRunArgs = z.strictObject({ run_id: RunId, reason: CancelRunBody.shape.reason });

export const SignalRunArgs = z.strictObject({
  run_id: RunId,
  name: z
    .string()
    .regex(SIGNAL_NAME, "name must be 1-100 characters of A-Z, a-z, 0-9, _, . or -")
    .describe("The signal the run's wait_for_signal node waits for"),
  payload: JsonArgument.default({}).describe("Becomes the wait_for_signal node's output"),
});

export const PreviewCronArgs = z.strictObject({
  expression: CronConfigBody.shape.expression.unwrap().min(1).describe('A cron expression, e.g. "0 9 * * MON-FRI"'),
  timezone: CronConfigBody.shape.timezone.describe("An IANA zone, e.g. Europe/Paris (default UTC)"),
  count: z.number().int().min(1).max(100).default(10).describe("How many fire times"),
});
