import { z } from "zod";
import type { ZodOpenApiOperationObject, ZodOpenApiPathsObject } from "zod-openapi";
import {
  CancelRunBody,
  CreateRunBody,
  FailRunBody,
  ListExecutionsQuery,
  ListRunsQuery,
  RetryRunBody,
  StartRunBody,
  SucceedRunBody,
} from "@switchyard/core/runs/run-schemas";
import { ExecutionHistoryResponse, RunResponse, RunStepResponse } from "@switchyard/core/runs/run-response";
import { WORKER_EXECUTED_CONFLICT } from "@switchyard/core/runs/run-actions";
import { SearchRunsQuery } from "@switchyard/core/runs/run-search-query";
import {
  ErrorResponse,
  errors,
  json,
  ok,
  RunId,
  runIdParams,
  ValidationErrorResponse,
  workflowRefParams,
} from "../openapi-common";

const tags = ["Runs"];

const NextCursor = z.object({
  "X-Next-Cursor": z.string().optional().meta({ description: "Present when more runs follow" }),
});

/** Where the audit entry of an API action names its actor, and what it keeps of the body's `actor`. */
const AUDIT_ACTOR =
  "The audit entry's `actor` is the acting API key (`api_key:<id>`, or `api_token:<fingerprint>` for an `API_TOKENS` entry) and keeps the body's `actor` as `metadata.actor`; with AUTH_MODE=disabled it is the body's `actor`.";

/**
 * One of the runs API's transitions: `{actor, ...}` → the run, or 409 with the transition's rule. `callerDriven`:
 * start/succeed/fail, which apply to runs created without `execute` only.
 */
function transition(
  operationId: string,
  summary: string,
  body: z.ZodType,
  conflict: string,
  callerDriven = true,
): ZodOpenApiOperationObject {
  const workers = callerDriven
    ? ` A run the workers execute (created with \`execute: true\`, by a trigger, a dispatch or a retry) answers 409 "${WORKER_EXECUTED_CONFLICT}"`
    : "";
  return {
    operationId,
    tags,
    summary,
    description: `409 "${conflict}"${workers} ${AUDIT_ACTOR}`,
    requestParams: { path: runIdParams },
    requestBody: { required: false, ...json(body) },
    responses: {
      200: ok("The run", RunResponse),
      ...errors(401, 404, [409, callerDriven ? `${conflict} Or: the workers execute this run.` : conflict], 422),
    },
  };
}

export const runPaths: ZodOpenApiPathsObject = {
  "/api/workflows/{workflow_ref}/runs": {
    post: {
      operationId: "createRun",
      tags,
      summary: "Create a run (caller-driven)",
      description:
        "Created pending and not executed by the workers: the caller moves it through start/succeed/fail (Orcheo's behaviour). Beyond Orcheo: `\"execute\": true` hands it to the workers like a trigger would, and then start/succeed/fail answer 409 for it (cancel and retry stay available). The `run_created` audit entry's `actor` is the acting API key (with AUTH_MODE=disabled, `triggered_by`).",
      requestParams: { path: workflowRefParams },
      requestBody: { required: true, ...json(CreateRunBody) },
      responses: { 201: ok("The pending run", RunResponse), ...errors(401, 404, 422) },
    },
    get: {
      operationId: "listRuns",
      tags,
      summary: "List a workflow's runs, newest first",
      description:
        "Beyond Orcheo: keyset pagination. When more runs follow, the `X-Next-Cursor` header holds the `cursor` of the next page.",
      requestParams: { path: workflowRefParams, query: ListRunsQuery },
      responses: {
        200: {
          description: "The runs",
          headers: NextCursor,
          ...json(z.array(RunResponse)),
        },
        ...errors(401, 404, 422),
      },
    },
  },
  "/api/runs": {
    get: {
      operationId: "searchRuns",
      tags,
      summary: "Search runs across workflows, newest first",
      description:
        'Beyond Orcheo (the runs dashboard\'s list and search). Every filter is optional and they combine; keyset pagination: when more runs may follow, the `X-Next-Cursor` header holds the `cursor` of the next page (a bare-value `q` can give a page with fewer runs than `limit`, or none, and a cursor still). 422 on an unknown parameter (a misspelt filter never reads as "all"), a bad status, `limit`, date, range or cursor, or a `q` starting with `{` that is not a JSON object.',
      requestParams: { query: SearchRunsQuery },
      responses: {
        200: { description: "The runs", headers: NextCursor, ...json(z.array(RunResponse)) },
        ...errors(401, [404, "The `workflow` filter names no workflow"]),
        422: ok(
          "Invalid query: the list of problems; a message for a bad cursor or a `q` starting with `{` that is not a JSON object",
          z.union([ValidationErrorResponse, ErrorResponse]),
        ),
      },
    },
  },
  "/api/runs/{run_id}": {
    get: {
      operationId: "getRun",
      tags,
      summary: "Read a run",
      requestParams: { path: runIdParams },
      responses: { 200: ok("The run", RunResponse), ...errors(401, 404) },
    },
  },
  "/api/runs/{run_id}/steps": {
    get: {
      operationId: "listRunSteps",
      tags,
      summary: "A run's stored steps",
      description:
        "Beyond Orcheo (the dashboard's run page). Every stored step of every attempt, in execution order (the execution history keeps Orcheo's flatter shape). 404 \"Workflow run not found\".",
      requestParams: { path: runIdParams },
      responses: { 200: ok("The steps (empty before the first step)", z.array(RunStepResponse)), ...errors(401, 404) },
    },
  },
  "/api/runs/{run_id}/start": {
    post: transition("startRun", "Start a pending run", StartRunBody, "Only pending runs can be started."),
  },
  "/api/runs/{run_id}/succeed": {
    post: transition(
      "succeedRun",
      "Mark a running run succeeded",
      SucceedRunBody,
      "Only running runs can be marked as succeeded.",
    ),
  },
  "/api/runs/{run_id}/fail": {
    post: transition(
      "failRun",
      "Mark a run failed",
      FailRunBody,
      "Only pending or running runs can be marked as failed.",
    ),
  },
  "/api/runs/{run_id}/cancel": {
    post: {
      ...transition(
        "cancelRun",
        "Cancel a run",
        CancelRunBody,
        "Cannot cancel a run that is already completed.",
        false,
      ),
      description: `As in Orcheo, a \`reason\` becomes the run's \`error\` (none: \`error\` is null). 409 "Cannot cancel a run that is already completed." Any run, caller-driven or executed by the workers. Beyond Orcheo: a run being executed is also stopped on whichever worker holds it (in-flight HTTP and \`code\` aborted). ${AUDIT_ACTOR}`,
    },
  },
  "/api/runs/{run_id}/retry": {
    post: {
      operationId: "retryRun",
      tags,
      summary: "Retry a failed or cancelled run",
      description: `Beyond Orcheo. A new pending run with the same version and input, \`retry_of\` pointing at the old one, enqueued. 409 for any other status. ${AUDIT_ACTOR}`,
      requestParams: { path: runIdParams },
      requestBody: { required: false, ...json(RetryRunBody) },
      responses: { 201: ok("The new run", RunResponse), ...errors(401, 404, 409, 422) },
    },
  },
  "/api/runs/{run_id}/signals/{name}": {
    post: {
      operationId: "signalRun",
      tags,
      summary: "Deliver a signal to a waiting run",
      description:
        "Beyond Orcheo. Resumes a run parked on a `wait_for_signal` node with that signal name; the JSON body becomes the node's output. 409 when the run is not waiting for that signal. The `run_signalled` audit entry's `actor` is the acting API key (`signal` with AUTH_MODE=disabled).",
      requestParams: {
        path: z.object({ run_id: RunId, name: z.string().meta({ description: "The node's signal name" }) }),
      },
      requestBody: { required: false, ...json(z.unknown().meta({ description: "Any JSON value; `{}` when empty" })) },
      responses: { 200: ok("The run", RunResponse), ...errors(401, 404, 409) },
    },
  },
  "/api/executions/{run_id}/history": {
    get: {
      operationId: "getExecutionHistory",
      tags: ["Executions"],
      summary: "A run's execution history",
      description:
        'The steps in order, closed by the outcome. 404 "Execution history not found" before the run started.',
      requestParams: { path: runIdParams },
      responses: { 200: ok("The history", ExecutionHistoryResponse), ...errors(401, 404) },
    },
  },
  "/api/workflows/{workflow_ref}/executions": {
    get: {
      operationId: "listExecutionHistories",
      tags: ["Executions"],
      summary: "A workflow's execution histories, newest first",
      requestParams: { path: workflowRefParams, query: ListExecutionsQuery },
      responses: { 200: ok("The histories", z.array(ExecutionHistoryResponse)), ...errors(401, 404, 422) },
    },
  },
};
