import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import {
  CreateVersionBody,
  CreateWorkflowBody,
  ListWorkflowsQuery,
  UpdateWorkflowBody,
} from "@switchyard/core/workflows/workflow-schemas";
import { VersionDiffResponse, VersionResponse, WorkflowResponse } from "@switchyard/core/workflows/workflow-response";
import { RetryPolicyBody } from "@switchyard/core/workflows/retry-policy";
import { RetentionBody, RetentionResponse } from "@switchyard/core/workflows/retention-policy";
import { ErrorResponse, errors, json, ok, workflowRefParams, WorkflowRef } from "../openapi-common";

const tags = ["Workflows"];
const versionTags = ["Versions"];
const VersionNumber = z.string().meta({ description: "A version number (1, 2, ...); anything else is 404" });

export const workflowPaths: ZodOpenApiPathsObject = {
  "/api/workflows": {
    get: {
      operationId: "listWorkflows",
      tags,
      summary: "List workflows",
      description:
        "Oldest first. Each has `latest_version` (a number or null) and `is_scheduled` (a cron trigger exists).",
      requestParams: { query: ListWorkflowsQuery },
      responses: { 200: ok("The workflows", z.array(WorkflowResponse)), ...errors(401, 422) },
    },
    post: {
      operationId: "createWorkflow",
      tags,
      summary: "Create a workflow",
      requestBody: { required: true, ...json(CreateWorkflowBody) },
      responses: { 201: ok("Created", WorkflowResponse), ...errors(401, [409, "The handle is taken"], 422) },
    },
  },
  "/api/workflows/{workflow_ref}": {
    get: {
      operationId: "getWorkflow",
      tags,
      summary: "Read a workflow",
      requestParams: { path: workflowRefParams },
      responses: { 200: ok("The workflow", WorkflowResponse), ...errors(401, 404) },
    },
    put: {
      operationId: "updateWorkflow",
      tags,
      summary: "Update a workflow",
      description: "Only the fields sent change.",
      requestParams: { path: workflowRefParams },
      requestBody: { required: true, ...json(UpdateWorkflowBody) },
      responses: { 200: ok("The updated workflow", WorkflowResponse), ...errors(401, 404, 422) },
    },
    delete: {
      operationId: "archiveWorkflow",
      tags,
      summary: "Archive a workflow (soft delete)",
      description:
        "An archived workflow gets no new runs from any trigger (404 on webhook, manual and run creation; skipped by cron dispatch).",
      requestParams: { path: workflowRefParams },
      responses: { 200: ok("The archived workflow", WorkflowResponse), ...errors(401, 404) },
    },
  },
  "/api/workflows/{workflow_ref}/retry-policy": {
    get: {
      operationId: "getRetryPolicy",
      tags,
      summary: "Read the run-level retry policy",
      description: "Beyond Orcheo. A workflow without a policy has a single attempt.",
      requestParams: { path: workflowRefParams },
      responses: { 200: ok("The policy", RetryPolicyBody), ...errors(401, 404) },
    },
    put: {
      operationId: "setRetryPolicy",
      tags,
      summary: "Set the run-level retry policy",
      description:
        "Beyond Orcheo. A failed attempt goes back to pending after an exponential backoff (`initial_delay_seconds × backoff_factor^(attempt-1)`, capped at `max_delay_seconds`, ± `jitter_factor`) until `max_attempts`. A PUT replaces the policy; omitted fields take their defaults.",
      requestParams: { path: workflowRefParams },
      requestBody: { required: true, ...json(RetryPolicyBody) },
      responses: { 200: ok("The stored policy", RetryPolicyBody), ...errors(401, 404, 422) },
    },
  },
  "/api/workflows/{workflow_ref}/retention": {
    get: {
      operationId: "getRetention",
      tags,
      summary: "Read the run retention override",
      description: "Beyond Orcheo. `effective` is what the retention purge applies to this workflow's runs.",
      requestParams: { path: workflowRefParams },
      responses: { 200: ok("The override and the effective windows", RetentionResponse), ...errors(401, 404) },
    },
    put: {
      operationId: "setRetention",
      tags,
      summary: "Set the run retention override",
      description:
        "Beyond Orcheo. Terminal runs (succeeded, failed, cancelled) are deleted with their steps and audit entries once `completed_at` is older than their window. Precedence, most specific first: failed runs take `failed_days`, then `days`, then RUN_RETENTION_DAYS_FAILED, then RUN_RETENTION_DAYS; succeeded and cancelled runs take `days`, then RUN_RETENTION_DAYS. A PUT replaces both fields (omitted or null: the global setting).",
      requestParams: { path: workflowRefParams },
      requestBody: { required: true, ...json(RetentionBody) },
      responses: { 200: ok("The stored override", RetentionResponse), ...errors(401, 404, 422) },
    },
  },
  "/api/workflows/{workflow_ref}/versions/ingest": {
    post: {
      operationId: "ingestVersion",
      tags: versionTags,
      summary: "Orcheo's LangGraph script upload: not supported",
      description:
        "Orcheo's SDK uploads a LangGraph Python script here (`{script, entrypoint, metadata, runnable_config, notes, created_by}`). This platform runs JSON graphs only: whatever the body holds, the answer is a 422 whose detail says to create the version with `POST /api/workflows/{workflow_ref}/versions` instead (404 first for an unknown workflow).",
      requestParams: { path: workflowRefParams },
      responses: {
        ...errors(401, 404),
        422: ok("Always: scripts are not supported; the detail names the route that takes a JSON graph", ErrorResponse),
      },
    },
  },
  "/api/workflows/{workflow_ref}/versions": {
    get: {
      operationId: "listVersions",
      tags: versionTags,
      summary: "List versions, oldest first",
      requestParams: { path: workflowRefParams },
      responses: { 200: ok("The versions", z.array(VersionResponse)), ...errors(401, 404) },
    },
    post: {
      operationId: "createVersion",
      tags: versionTags,
      summary: "Create a version",
      description:
        "Versions count 1, 2, 3 per workflow. The graph is validated: an invalid graph is 422 with a message naming the node and the problem.",
      requestParams: { path: workflowRefParams },
      requestBody: { required: true, ...json(CreateVersionBody) },
      responses: { 201: ok("Created", VersionResponse), ...errors(401, 404, 422) },
    },
  },
  "/api/workflows/{workflow_ref}/versions/{version}": {
    get: {
      operationId: "getVersion",
      tags: versionTags,
      summary: "Read a version",
      requestParams: { path: z.object({ workflow_ref: WorkflowRef, version: VersionNumber }) },
      responses: { 200: ok("The version", VersionResponse), ...errors(401, 404) },
    },
  },
  "/api/workflows/{workflow_ref}/versions/{base_version}/diff/{target_version}": {
    get: {
      operationId: "diffVersions",
      tags: versionTags,
      summary: "Diff two versions' graphs",
      requestParams: {
        path: z.object({ workflow_ref: WorkflowRef, base_version: VersionNumber, target_version: VersionNumber }),
      },
      responses: { 200: ok("A unified diff", VersionDiffResponse), ...errors(401, 404) },
    },
  },
};
