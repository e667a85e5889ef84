import { z } from "zod";
import { defineNodeType, NodeError } from "../node-type";

const Status = z.number().int().min(100).max(599);

const HttpRequestParams = z.strictObject({
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
});

/** An HTTP call with global fetch; `{status, headers, body}`, and an unexpected status fails the node. */
export const httpRequestNode = defineNodeType({
  type: "http.request",
  params: HttpRequestParams,
  sideEffects: true,
  run: async (params, _ctx, signal) => {
    const url = new URL(params.url);
    for (const [k, v] of Object.entries(params.query)) if (v !== null) url.searchParams.append(k, String(v));
    const headers = new Headers(Object.entries(params.headers).map(([k, v]) => [k, String(v)]));
    let body: string | undefined;
    if (params.body !== undefined && params.body !== null) {
      if (typeof params.body === "string") {
        body = params.body;
      } else {
        body = JSON.stringify(params.body);
        if (!headers.has("content-type")) headers.set("content-type", "application/json");
      }
    }
    const timeoutMs = params.timeout_seconds * 1_000;
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        method: params.method,
        headers,
        body,
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      });
      text = await res.text();
    } catch (err) {
      if (signal.aborted) throw err;
      if (err instanceof Error && err.name === "TimeoutError") {
        throw new NodeError(`request timed out after ${params.timeout_seconds} seconds`);
      }
      const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : "";
      throw new NodeError(`request failed: ${err instanceof Error ? err.message : String(err)}${cause}`);
    }
    if (!isExpected(res.status, params.expect_status)) {
      throw new NodeError(`unexpected status ${res.status} from ${params.method} ${url.origin}${url.pathname}`);
    }
    return {
      status: res.status,
      headers: Object.fromEntries(res.headers),
      body: parseBody(text, params.response, res.headers.get("content-type")),
    };
  },
});

function isExpected(status: number, expect: number | number[] | undefined): boolean {
  if (expect === undefined) return status >= 200 && status < 300;
  return Array.isArray(expect) ? expect.includes(status) : status === expect;
}

function parseBody(text: string, mode: "auto" | "json" | "text", contentType: string | null): unknown {
  if (mode === "text") return text;
  const json = mode === "json" || /[/+]json\b/i.test(contentType ?? "");
  if (!json) return text;
  if (text.trim() === "") return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // `auto` trusts the content type only as far as the body allows; an explicit `json` does not bend.
    if (mode === "auto") return text;
    throw new NodeError("response body is not valid JSON");
  }
}
