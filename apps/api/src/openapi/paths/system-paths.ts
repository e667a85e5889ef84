import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import { SystemWorkersResponse } from "@switchyard/core/workers/list-live-workers";
import { errors, METRICS, ok, PUBLIC, text } from "../openapi-common";
import { SystemQueuesResponse } from "@switchyard/core/observability/system-queues-response";

const tags = ["System"];
const Ok = z.strictObject({ status: z.literal("ok") });
const Readiness = z.strictObject({
  status: z.enum(["ok", "unavailable"]),
  checks: z.strictObject({ postgres: z.enum(["ok", "unavailable"]), redis: z.enum(["ok", "unavailable"]) }),
});

export const systemPaths: ZodOpenApiPathsObject = {
  "/api/system/health": {
    get: { operationId: "health", tags, summary: "Health (Orcheo's)", ...PUBLIC, responses: { 200: ok("Up", Ok) } },
  },
  "/healthz": {
    get: {
      operationId: "liveness",
      tags,
      summary: "Liveness: the process is up",
      ...PUBLIC,
      responses: { 200: ok("Up", Ok) },
    },
  },
  "/readyz": {
    get: {
      operationId: "readiness",
      tags,
      summary: "Readiness: Postgres and Redis answer",
      ...PUBLIC,
      responses: { 200: ok("Ready", Readiness), 503: ok("Postgres or Redis does not answer", Readiness) },
    },
  },
  "/api/openapi.json": {
    get: {
      operationId: "openapiDocument",
      tags,
      summary: "This OpenAPI 3.1 document",
      ...PUBLIC,
      responses: { 200: ok("The document", z.record(z.string(), z.unknown())) },
    },
  },
  "/api/docs": {
    get: {
      operationId: "apiReference",
      tags,
      summary: "The API reference page (Swagger UI, served locally)",
      ...PUBLIC,
      responses: { 200: text("An HTML page", "text/html") },
    },
  },
  "/api/system/queues": {
    get: {
      operationId: "systemQueues",
      tags,
      summary: "Queue depth and run throughput",
      description:
        "Beyond Orcheo (the dashboard's Workers & queues page). Job counts per BullMQ queue and state, read from Redis with a 2 s timeout (a queue Redis does not answer for has `counts: null` and an `error`, and the answer is still 200), and the runs finished per minute over the last hour, from Postgres.",
      responses: { 200: ok("Queues and throughput", SystemQueuesResponse), ...errors(401) },
    },
  },
  "/api/system/workers": {
    get: {
      operationId: "systemWorkers",
      tags,
      summary: "Live workers, from their heartbeats",
      description:
        "Beyond Orcheo (the dashboard's Workers & queues page). Every worker records itself in Postgres on each heartbeat (RUN_LEASE_HEARTBEAT_SECONDS) and removes itself on a graceful shutdown; live means a heartbeat within the last three intervals.",
      responses: { 200: ok("The live workers, by id", SystemWorkersResponse), ...errors(401) },
    },
  },
  "/metrics": {
    get: {
      operationId: "metrics",
      tags,
      summary: "Prometheus metrics of this API process",
      description:
        "Public like the probes unless METRICS_TOKEN is set; then every scrape needs `Authorization: Bearer <METRICS_TOKEN>` (the API tokens do not open it, and the metrics token opens nothing else). Not served with METRICS_ENABLED=false (404). The metrics are listed in observability.md; the worker and the beat serve theirs on listeners of their own.",
      ...METRICS,
      responses: {
        200: text("The Prometheus text exposition format, version 0.0.4", "text/plain; version=0.0.4"),
        ...errors([401, "METRICS_TOKEN is set and the request does not carry it"]),
      },
    },
  },
};
