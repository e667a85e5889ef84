import type { ZodOpenApiPathsObject } from "zod-openapi";
import { ConcurrencyBody, ConcurrencyResponse } from "@switchyard/core/flow/concurrency-limits";
import { RateLimitBody, RateLimitResponse } from "@switchyard/core/flow/rate-limit";
import { RoutingBody, RoutingResponse } from "@switchyard/core/flow/routing";
import { errors, json, ok, workflowRefParams } from "../openapi-common";

const tags = ["Flow control"];

export const flowPaths: ZodOpenApiPathsObject = {
  "/api/workflows/{workflow_ref}/concurrency": {
    get: {
      operationId: "getConcurrency",
      tags,
      summary: "Read the concurrency limits",
      description: "Beyond Orcheo (docs/flow-control.md). All null: no limit.",
      requestParams: { path: workflowRefParams },
      responses: { 200: ok("The limits", ConcurrencyResponse), ...errors(401, 404) },
    },
    put: {
      operationId: "setConcurrency",
      tags,
      summary: "Set the concurrency limits",
      description:
        'Beyond Orcheo. At most `max_running` runs of the workflow are running at once, cluster-wide, and at most `max_running_per_key` with the same value of `key` (JSONata over `{input}`, e.g. `input.body.customer_id`). A run over a limit stays pending with `blocked_by: "concurrency"` and starts, oldest first, when a slot frees; a crashed worker\'s slot frees when its lease expires; waiting runs hold none. A PUT replaces the limits (omitted fields are null) and applies to the next start. A `key` without `max_running_per_key` (or the reverse) is 422.',
      requestParams: { path: workflowRefParams },
      requestBody: { required: true, ...json(ConcurrencyBody) },
      responses: { 200: ok("The stored limits", ConcurrencyResponse), ...errors(401, 404, 422) },
    },
  },
  "/api/workflows/{workflow_ref}/rate-limit": {
    get: {
      operationId: "getRateLimit",
      tags,
      summary: "Read the start rate limit",
      description: "Beyond Orcheo (docs/flow-control.md). null: no limit.",
      requestParams: { path: workflowRefParams },
      responses: { 200: ok("The limit, or null", RateLimitResponse), ...errors(401, 404) },
    },
    put: {
      operationId: "setRateLimit",
      tags,
      summary: "Set the start rate limit",
      description:
        'Beyond Orcheo. At most `limit` runs of the workflow start per `interval_seconds` (a fixed window), per value of `key` when given (JSONata over `{input}`), across all workers. A run over the limit is never rejected: it waits pending with `blocked_by: "rate_limit"` and a `run_at` in a later window, in creation order, and starts then. A body of `{}` (or none) removes the limit; it applies to the next start.',
      requestParams: { path: workflowRefParams },
      requestBody: { required: false, ...json(RateLimitBody) },
      responses: { 200: ok("The stored limit, or null", RateLimitResponse), ...errors(401, 404, 422) },
    },
  },
  "/api/workflows/{workflow_ref}/routing": {
    get: {
      operationId: "getRouting",
      tags,
      summary: "Read the queue and priority",
      description: 'Beyond Orcheo (docs/flow-control.md). Default: `{"queue": "default", "priority": 5}`.',
      requestParams: { path: workflowRefParams },
      responses: { 200: ok("The routing", RoutingResponse), ...errors(401, 404) },
    },
    put: {
      operationId: "setRouting",
      tags,
      summary: "Set the queue and priority",
      description:
        "Beyond Orcheo, Celery's routing. The workflow's runs go to `queue` (`[a-z0-9_-]{1,64}`, default `default`), consumed by the workers whose WORKER_QUEUES name it; a run on a queue no live worker consumes stays pending (GET /api/system/queues flags it). Within a queue a run of higher `priority` (1..10, 1 first, default 5) starts before a lower one that waits, and equal priorities start oldest first. A run records both at its creation (a dispatch may set its own `priority`): a PUT applies to the runs created next. Omitted fields take their defaults.",
      requestParams: { path: workflowRefParams },
      requestBody: { required: true, ...json(RoutingBody) },
      responses: { 200: ok("The stored routing", RoutingResponse), ...errors(401, 404, 422) },
    },
  },
};
