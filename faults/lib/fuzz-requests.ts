import { encodePart, oddString, randomUuid, randomValue, type Random } from "./fuzz-random";

/**
 * A seeded generator of hostile HTTP requests for the fuzz case: for each route, paths with odd parameters, odd
 * queries and headers, and bodies that are valid, nearly valid (wrong types, unknown enum values, extra keys) or
 * broken (truncated JSON, deep nesting, invalid UTF-8, NUL bytes, huge). Same seed, same requests.
 */
export type Route = { method: string; path: string };
export type FuzzRequest = { method: string; path: string; headers: Record<string, string>; body: Buffer | null };
export type FuzzContext = { workflowIds: string[]; handles: string[]; versionIds: string[]; runIds: () => string[] };

export { createRandom } from "./fuzz-random";

/** Keys the API's bodies know, so mutated bodies get past the first checks and reach deeper code. */
const KNOWN_KEYS = [
  "name",
  "handle",
  "description",
  "tags",
  "actor",
  "is_archived",
  "graph",
  "metadata",
  "runnable_config",
  "notes",
  "created_by",
  "workflow_version_id",
  "triggered_by",
  "input_payload",
  "execute",
  "output",
  "error",
  "reason",
  "workflow_id",
  "runs",
  "label",
  "run_at",
  "expression",
  "timezone",
  "allow_overlapping",
  "start_at",
  "end_at",
  "catchup",
  "now",
  "allowed_methods",
  "required_headers",
  "required_query_params",
  "hmac_header",
  "hmac_secret",
  "hmac_algorithm",
  "hmac_tolerance_seconds",
  "shared_secret_header",
  "shared_secret",
  "rate_limit",
  "idempotency_header",
  "max_body_bytes",
  "max_attempts",
  "initial_delay_seconds",
  "backoff_factor",
  "max_delay_seconds",
  "nodes",
  "edges",
  "id",
  "type",
  "params",
  "from",
  "to",
  "limit",
  "interval_seconds",
];

function plausibleBody(r: Random, ctx: FuzzContext): unknown {
  const body: Record<string, unknown> = {};
  for (let i = r.int(6); i >= 0; i--) {
    const key = r.pick(KNOWN_KEYS);
    body[key] = r.chance(0.3) ? plausibleValue(r, key, ctx) : randomValue(r, 2);
  }
  return body;
}

function plausibleValue(r: Random, key: string, ctx: FuzzContext): unknown {
  if (key === "workflow_id") return r.pick([...ctx.workflowIds, ...ctx.handles]);
  if (key === "workflow_version_id") return r.pick(ctx.versionIds);
  if (key === "runs") return Array.from({ length: 1 + r.int(3) }, () => ({ input_payload: { n: r.int(10) } }));
  if (key === "graph")
    return {
      nodes: [
        { id: oddString(r), type: r.pick(["set", "log", "transform", "code", "bogus"]), params: randomValue(r, 2) },
      ],
      edges: [],
    };
  if (key === "triggered_by" || key === "actor" || key === "name") return oddString(r);
  return randomValue(r, 1);
}

function encodeBody(r: Random, ctx: FuzzContext): { body: Buffer | null; contentType: string | null } {
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  switch (r.int(14)) {
    case 0:
      return { body: null, contentType: null };
    case 1: // truncated JSON
      return { body: json(plausibleBody(r, ctx)).subarray(0, 1 + r.int(20)), contentType: "application/json" };
    case 2: // deep nesting
      return { body: Buffer.from("[".repeat(r.pick([1_000, 10_000, 100_000]))), contentType: "application/json" };
    case 3: {
      const depth = r.pick([500, 5_000]);
      return { body: Buffer.from(`${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`), contentType: "application/json" };
    }
    case 4: // invalid UTF-8
      return {
        body: Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}')]),
        contentType: "application/json",
      };
    case 5: // a NUL character, escaped and raw
      return {
        body: Buffer.from(r.chance(0.5) ? '{"name":"a\\u0000b"}' : '{"name":"a\u0000b"}'),
        contentType: "application/json",
      };
    case 6: // huge
      return { body: Buffer.alloc(r.pick([2_100_000, 3_000_000]), 0x61), contentType: "application/json" };
    case 7:
      return {
        body: json(randomValue(r, 3)),
        contentType: r.pick(["application/json", "text/plain", "application/x-www-form-urlencoded"]),
      };
    case 8:
      return {
        body: Buffer.from(oddString(r)),
        contentType: r.pick([
          "application/json",
          "application/json; charset=latin1",
          "application/json; charset=utf-16",
          "multipart/form-data",
        ]),
      };
    default:
      return { body: json(plausibleBody(r, ctx)), contentType: "application/json" };
  }
}

function goodParam(r: Random, name: string, ctx: FuzzContext): string {
  const runIds = ctx.runIds();
  return name === "ref"
    ? r.pick([...ctx.workflowIds, ...ctx.handles])
    : name === "runId"
      ? runIds.length > 0
        ? r.pick(runIds)
        : randomUuid(r)
      : name === "n" || name === "a" || name === "b"
        ? String(r.pick([1, 2, 0, -1, 999999999999]))
        : `sig${r.int(3)}`;
}

function fillParam(r: Random, name: string, ctx: FuzzContext): string {
  const good = goodParam(r, name, ctx);
  if (r.chance(0.55)) return encodePart(good);
  const odd = r.pick([
    () => encodePart(oddString(r)),
    () => "%E0%A4%A",
    () => "%C3%28",
    () => "%00",
    () => "x".repeat(r.pick([1_000, 8_000])),
    () => randomUuid(r),
    () => good.toUpperCase(),
    () => "1.5",
    () => "%2e%2e",
  ])();
  return odd;
}

function randomQuery(r: Random): string {
  if (r.chance(0.5)) return "";
  const keys = ["limit", "status", "cursor", "include_archived", "triggered_by", "x", "__proto__"];
  const parts = Array.from({ length: 1 + r.int(3) }, () => {
    const value = r.pick([
      () => encodePart(oddString(r)),
      () => String(r.int(500) - 50),
      () => "%ZZ",
      () => "true",
      () => "",
    ])();
    return `${r.pick(keys)}${r.chance(0.1) ? "[]" : ""}=${value}`;
  });
  return `?${parts.join("&")}`;
}

/**
 * Valid bodies of the routes that create runs, with at most one field replaced by a random value: the fuzz must
 * create runs too, or "runs in Postgres = runs named by 2xx answers" would hold trivially.
 */
const VALID_BODIES: Record<string, (r: Random, ctx: FuzzContext) => Record<string, unknown>> = {
  "POST /api/workflows/:ref/runs": (r, ctx) => ({
    workflow_version_id: r.pick(ctx.versionIds),
    triggered_by: "fuzz",
    input_payload: { n: randomValue(r, 2) },
    execute: r.chance(0.5),
  }),
  "POST /api/triggers/manual/dispatch": (r, ctx) => ({
    workflow_id: r.pick(ctx.workflowIds),
    runs: Array.from({ length: 1 + r.int(3) }, () => ({ input_payload: { n: randomValue(r, 2) } })),
  }),
  "POST /api/workflows/:ref/triggers/webhook": (r) => ({ event: oddString(r), data: randomValue(r, 3) }),
  "POST /api/runs/:runId/fail": () => ({ actor: "fuzz", error: "fuzzed" }),
  "POST /api/runs/:runId/retry": () => ({ actor: "fuzz" }),
};

function validBody(r: Random, template: (r: Random, ctx: FuzzContext) => Record<string, unknown>, ctx: FuzzContext) {
  const body = template(r, ctx);
  if (r.chance(0.3)) body[r.pick(Object.keys(body))] = randomValue(r, 2);
  return { body: Buffer.from(JSON.stringify(body)), contentType: "application/json" };
}

/** One request for `route`, sometimes with another method than the route's. */
export function generateRequest(r: Random, route: Route, ctx: FuzzContext): FuzzRequest {
  const template = VALID_BODIES[`${route.method} ${route.path}`];
  const valid = template !== undefined && r.chance(0.4);
  const path =
    route.path.replace(/:(\w+)/g, (_, name: string) =>
      valid ? encodePart(goodParam(r, name, ctx)) : fillParam(r, name, ctx),
    ) + (valid ? "" : randomQuery(r));
  const method =
    !valid && r.chance(0.1) ? r.pick(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]) : route.method;
  const { body, contentType } =
    method === "GET" || method === "HEAD"
      ? { body: null, contentType: null }
      : valid
        ? validBody(r, template, ctx)
        : encodeBody(r, ctx);
  const headers: Record<string, string> = {};
  if (contentType !== null) headers["content-type"] = contentType;
  if (r.chance(0.1)) headers["x-long"] = "y".repeat(r.pick([1_000, 20_000]));
  if (r.chance(0.1)) headers.authorization = r.pick(["Bearer ", "Bearer x", "Basic !!!", "x".repeat(500)]);
  if (r.chance(0.2))
    headers["idempotency-key"] = r.pick(["k1", "k2", oddString(r).replace(/[^\x21-\x7e]/g, "")]) || "k";
  if (r.chance(0.05)) headers["content-encoding"] = r.pick(["gzip", "br", "bogus"]);
  return { method, path, headers, body };
}
