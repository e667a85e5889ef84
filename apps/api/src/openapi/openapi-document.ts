import { createDocument, type ZodOpenApiPathsObject } from "zod-openapi";
import { ExecutionHistoryResponse, RunResponse } from "@switchyard/core/runs/run-response";
import { VersionResponse, WorkflowResponse } from "@switchyard/core/workflows/workflow-response";
import { CronConfigResponse } from "@switchyard/core/triggers/cron/cron-config";
import { WebhookConfigResponse } from "@switchyard/core/triggers/webhook/webhook-config";
import { dashboardPaths } from "./paths/dashboard-paths";
import { keyPaths } from "./paths/key-paths";
import { inboxPaths } from "./paths/inbox-paths";
import { subscriptionPaths } from "./paths/subscription-paths";
import { mcpPaths } from "./paths/mcp-paths";
import { runPaths } from "./paths/run-paths";
import { runEventPaths } from "./paths/run-event-paths";
import { systemPaths } from "./paths/system-paths";
import { triggerPaths } from "./paths/trigger-paths";
import { workflowPaths } from "./paths/workflow-paths";
import { flowPaths } from "./paths/flow-paths";

/**
 * Every route of the API, one group per file under paths/. A new route gets an entry in its group (or a new
 * group listed here): openapi-coverage.test.ts fails while a route of the app is missing from the document.
 */
const PATH_GROUPS: readonly ZodOpenApiPathsObject[] = [
  workflowPaths,
  flowPaths,
  runPaths,
  runEventPaths,
  triggerPaths,
  systemPaths,
  dashboardPaths,
  keyPaths,
  mcpPaths,
  inboxPaths,
  subscriptionPaths,
];

/** The order of the reference's sections. */
const TAGS = [
  { name: "Workflows", description: "Workflows and their per-workflow settings." },
  { name: "Versions", description: "Immutable graph versions of a workflow (see workflow-graph.md)." },
  {
    name: "Flow control",
    description: "Concurrency limits and start rate limits of a workflow's runs (flow-control.md).",
  },
  { name: "Webhook trigger" },
  {
    name: "Webhook inbox",
    description: "Every webhook delivery with its raw request, and replay into a new run (inbox.md). Admin only.",
  },
  {
    name: "Outgoing events",
    description:
      "Subscriptions to run events, delivered in the Standard Webhooks format with retries (outgoing-events.md). Admin only.",
  },
  { name: "Cron trigger" },
  { name: "Manual trigger" },
  { name: "Runs", description: "Runs, their caller-driven transitions and the run controls beyond Orcheo." },
  {
    name: "Run events",
    description:
      "Server-Sent Events: a run's changes as they happen (run-events.md), and the status changes of every run.",
  },
  { name: "Executions", description: "Orcheo's execution histories of runs." },
  {
    name: "System",
    description: "Probes, metrics, queue depth and this documentation. The probes and this documentation are public.",
  },
  { name: "API keys", description: "Keys stored in Postgres, with scopes (security.md). Admin only." },
  {
    name: "MCP",
    description:
      "The Model Context Protocol server for agents (mcp.md): its tools and resources over Streamable HTTP, each calling the REST API with the caller's key.",
  },
  {
    name: "Dashboard",
    description:
      "The operators' runs dashboard at `/admin` (dashboard.md), behind the same auth as Bull Board: HTTP Basic with an API key as the password (any username) or ADMIN_USERNAME / ADMIN_PASSWORD; `read` keys read, the run actions need `trigger` and are audited with the acting key. " +
      "The page reads JSON from `/admin/api/...`: the API's own GET routes, under the same paths as below `/api` (`/admin/api/runs`, `/admin/api/runs/{run_id}/steps`, `/admin/api/workflows/{workflow_ref}/triggers/cron/occurrences`, `/admin/api/system/queues`, ...), with the same filters and the same 4xx, authenticated with the dashboard's credentials instead of a Bearer token. " +
      "Its only state-changing calls are the run actions below; the API's caller-driven transitions (start, succeed, fail, signals) are not offered under `/admin/api`. " +
      "Bull Board is at `/admin/queues` (its own application, not in this reference).",
  },
];

function mergePaths(groups: readonly ZodOpenApiPathsObject[]): ZodOpenApiPathsObject {
  const merged: ZodOpenApiPathsObject = {};
  for (const group of groups) {
    for (const [path, item] of Object.entries(group)) {
      merged[path] = { ...merged[path], ...item };
    }
  }
  return merged;
}

export type OpenApiDocument = ReturnType<typeof createDocument>;

/** The OpenAPI 3.1 document of the API, generated from the zod schemas the routes parse and answer with. */
export function createOpenApiDocument(): OpenApiDocument {
  return createDocument({
    openapi: "3.1.0",
    info: {
      title: "Switchyard API",
      version: "0.1.0",
      description:
        'The trigger and run API of the Orcheo workflow platform, so its clients work against this one, with the extensions marked "Beyond Orcheo". Errors are `{"detail": "..."}`; body validation errors are 422 with `{"detail": [{loc, msg, type}]}`. Unknown fields in request bodies are refused (422). A workflow is addressed by its UUID or its handle wherever a path says `{workflow_ref}`.',
    },
    tags: TAGS,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          description:
            "An API key (`POST /api/keys`, `npx switchyard keys create`) or an API_TOKENS entry; needed on every non-public route when AUTH_MODE=required. Its scope (admin, trigger, read) decides which routes it opens (security.md).",
        },
        adminBasic: {
          type: "http",
          scheme: "basic",
          description:
            "The dashboards' credentials: an API key as the password (any username), or ADMIN_USERNAME / ADMIN_PASSWORD.",
        },
        metricsBearer: {
          type: "http",
          scheme: "bearer",
          description: "METRICS_TOKEN, only when it is set: `GET /metrics` is public otherwise.",
        },
      },
      schemas: {
        Run: RunResponse,
        ExecutionHistory: ExecutionHistoryResponse,
        Workflow: WorkflowResponse,
        Version: VersionResponse,
        CronConfig: CronConfigResponse,
        WebhookConfig: WebhookConfigResponse,
      },
    },
    security: [{ bearerAuth: [] }],
    paths: mergePaths(PATH_GROUPS),
  });
}
