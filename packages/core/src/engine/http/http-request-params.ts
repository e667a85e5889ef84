import { z } from "zod";

const Status = z.number().int().min(100).max(599);

/** `max_response_bytes` when a node sets none (or the ceiling, when that is lower). */
export const DEFAULT_MAX_RESPONSE_BYTES = 5 * 1024 * 1024;

/** An Idempotency-Key value: visible ASCII and inner spaces, as a header value must be. */
const IdempotencyKey = z
  .union([z.string(), z.number().transform(String)])
  .pipe(z.string().regex(/^[\x21-\x7e]([\x20-\x7e]{0,253}[\x21-\x7e])?$/, "must be 1-255 visible ASCII characters"));

/**
 * The params of `http.request`. `maxResponseBytesCeiling` is HTTP_REQUEST_MAX_RESPONSE_BYTES: a static
 * `max_response_bytes` above it fails validation (422 naming the ceiling), a templated one fails its node.
 */
export function createHttpRequestParams(maxResponseBytesCeiling: number) {
  return z.strictObject({
    method: z
      .string()
      .transform((m) => m.toUpperCase())
      .pipe(z.enum(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]))
      .default("GET"),
    url: z.url({ protocol: /^https?$/, error: "url must be an http(s) URL" }),
    headers: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
    query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).default({}),
    body: z.unknown().optional(),
    timeout_seconds: z.number().positive().max(3_600).default(30),
    /** Default: any 2xx. */
    expect_status: z.union([Status, z.array(Status).min(1)]).optional(),
    response: z.enum(["auto", "json", "text"]).default("auto"),
    max_response_bytes: z
      .number()
      .int()
      .positive()
      .max(maxResponseBytesCeiling, {
        error: `must be at most ${maxResponseBytesCeiling} bytes (HTTP_REQUEST_MAX_RESPONSE_BYTES)`,
      })
      .default(Math.min(DEFAULT_MAX_RESPONSE_BYTES, maxResponseBytesCeiling)),
    max_redirects: z.number().int().min(0).max(20).default(5),
    /** true: `<run id>:<node id>`; false: no header; a string (templated like any param): that key. */
    idempotency_key: z.union([z.boolean(), IdempotencyKey]).default(true),
  });
}

export type HttpRequestParams = z.output<ReturnType<typeof createHttpRequestParams>>;
