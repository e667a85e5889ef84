import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import { ok, PUBLIC, text } from "../openapi-common";

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
};
