import { z } from "zod";
import type { ZodOpenApiResponseObject, ZodOpenApiResponsesObject } from "zod-openapi";

/** `{"detail": "<message>"}`: every error but body validation. */
export const ErrorResponse = z.strictObject({ detail: z.string() }).meta({ id: "Error" });

/** 422: `{"detail": [{loc, msg, type}]}`, a zod issue list in the shape of Orcheo's API. */
export const ValidationErrorResponse = z
  .strictObject({
    detail: z.array(
      z.strictObject({
        loc: z.array(z.union([z.string(), z.number()])).meta({ description: 'Where: `["body", "field", ...]`' }),
        msg: z.string(),
        type: z.string(),
      }),
    ),
  })
  .meta({ id: "ValidationError" });

export const WorkflowRef = z.string().meta({ description: "The workflow's UUID or its handle" });
export const RunId = z.string().meta({ description: "The run's UUID (anything else is 404)" });
export const workflowRefParams = z.object({ workflow_ref: WorkflowRef });
export const runIdParams = z.object({ run_id: RunId });

export function json(schema: z.ZodType) {
  return { content: { "application/json": { schema } } };
}

export function ok(description: string, schema: z.ZodType): ZodOpenApiResponseObject {
  return { description, ...json(schema) };
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "Bad request",
  401: "Authentication required or refused",
  403: "Forbidden (the detail says why)",
  404: "Not found (the detail names what)",
  405: "Method not allowed",
  409: "Conflict (the detail says why)",
  413: "Request body too large",
  415: "Unsupported body encoding",
  429: "Rate limit exceeded",
  503: "Postgres or Redis cannot answer",
};

/**
 * Error responses by status, each a status or `[status, description]`; 422 is the validation list, everything
 * else `{"detail": "..."}`.
 */
export function errors(...statuses: (number | [number, string])[]): ZodOpenApiResponsesObject {
  const out: ZodOpenApiResponsesObject = {};
  for (const entry of statuses) {
    const [status, description] = typeof entry === "number" ? [entry, undefined] : entry;
    out[String(status) as `${1 | 2 | 3 | 4 | 5}${string}`] =
      status === 422
        ? ok(description ?? "Invalid input: every problem, each naming its field", ValidationErrorResponse)
        : ok(description ?? ERROR_DESCRIPTIONS[status] ?? "Error", ErrorResponse);
  }
  return out;
}

/** A response that is not JSON: an HTML page, Prometheus text, ... */
export function text(description: string, mediaType = "text/plain"): ZodOpenApiResponseObject {
  return { description, content: { [mediaType]: { schema: z.string() } } };
}

/** A public operation: no API token even when AUTH_MODE=required. */
export const PUBLIC = { security: [] };

/** An operation behind the dashboards' HTTP Basic auth (ADMIN_USERNAME / ADMIN_PASSWORD) instead of a token. */
export const ADMIN = { security: [{ adminBasic: [] }] };

/** `GET /metrics`: public unless METRICS_TOKEN is set, then that token as a Bearer (not an API token). */
export const METRICS: { security: Record<string, string[]>[] } = { security: [{}, { metricsBearer: [] }] };
