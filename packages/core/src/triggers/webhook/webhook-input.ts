import { exceedsJsonDepth } from "../../http/json-depth";
import { setOwn } from "../../proto-keys";
import type { WebhookConfig } from "./webhook-config";
import type { WebhookHeaders } from "./verify-webhook-auth";
import { isSensitiveName } from "./sensitive-name";

/** The body once decoded: `json` is the parsed value when the text is JSON, else undefined. */
export type WebhookBody = { text: string; json: unknown };

/** Decoded once per delivery; UTF-8 with replacement characters, as Orcheo stores non-JSON bodies. */
export function parseWebhookBody(rawBody: Buffer): WebhookBody {
  if (rawBody.length === 0) return { text: "", json: undefined };
  const text = rawBody.toString("utf8");
  // Too deep to store as jsonb (or to walk safely): kept as the raw text, like any body that is not JSON.
  if (exceedsJsonDepth(rawBody)) return { text, json: undefined };
  try {
    return { text, json: JSON.parse(text) as unknown };
  } catch {
    return { text, json: undefined };
  }
}

/** `{}` when empty, the JSON value, else `{raw}`; with preserve_raw_body, `{raw, parsed?}`. */
export function toWebhookPayload(body: WebhookBody, preserveRawBody: boolean): unknown {
  if (preserveRawBody) return body.json === undefined ? { raw: body.text } : { raw: body.text, parsed: body.json };
  if (body.text.length === 0) return {};
  return body.json === undefined ? { raw: body.text } : body.json;
}

/**
 * The headers a run keeps. Credentials never reach a run's input (and so never the database or the workflow's
 * nodes): a header named like one (`isSensitiveName`) and the config's own secret and signature headers are
 * dropped, not masked, as Orcheo leaves out the secret, signature and authorization headers.
 */
export function toStoredHeaders(headers: WebhookHeaders, config: Pick<WebhookConfig, "secret_header" | "hmac_header">) {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || isSensitiveName(name)) continue;
    if (name === config.secret_header || name === config.hmac_header) continue;
    setOwn(out, name, Array.isArray(value) ? value.join(", ") : value);
  }
  return out;
}

/** The query parameters a run keeps: those named like a credential (`?token=`, `?api_key=`) are dropped. */
export function toStoredQuery(query: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(query)) if (!isSensitiveName(name)) out[name] = value;
  return out;
}

/** Express's "simple" query parser gives a string or an array per key: the first value counts. */
export function firstQueryValues(query: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    const first: unknown = Array.isArray(value) ? value[0] : value;
    if (typeof first === "string") setOwn(out, key, first);
  }
  return out;
}

export function isPreserveRawBody(value: string | undefined): boolean {
  return value !== undefined && ["true", "1", "yes", "on"].includes(value.toLowerCase());
}

export type WebhookInputPayload = {
  body: unknown;
  headers: Record<string, string>;
  query_params: Record<string, string>;
  source_ip: string | null;
};

// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Postgres jsonb cannot hold U+0000 or a lone UTF-16 surrogate (an escape such as "\ud800" in the JSON text):
 * each becomes U+FFFD, like any other undecodable input.
 */
export function replaceNulCharacters<T>(value: T): T {
  if (typeof value === "string") return value.replace(UNSTORABLE, "\uFFFD") as T;
  if (Array.isArray(value)) return value.map((v: unknown) => replaceNulCharacters(v)) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [replaceNulCharacters(k), replaceNulCharacters(v as unknown)]),
    ) as T;
  }
  return value;
}

/** The run's input_payload (api.md, Webhook trigger). */
export function createWebhookInput(args: {
  body: WebhookBody;
  headers: WebhookHeaders;
  query: Record<string, string>;
  sourceIp: string | null;
  config: Pick<WebhookConfig, "secret_header" | "hmac_header">;
}): WebhookInputPayload {
  const { preserve_raw_body: preserve, ...rest } = args.query;
  const queryParams = toStoredQuery(rest);
  const input: WebhookInputPayload = {
    body: toWebhookPayload(args.body, isPreserveRawBody(preserve)),
    headers: toStoredHeaders(args.headers, args.config),
    query_params: queryParams,
    source_ip: args.sourceIp,
  };
  // Only walk the payload when a NUL or a surrogate can be in it: raw, escaped, or in the query.
  const mayHoldNul =
    args.body.text.includes("\0") ||
    args.body.text.includes("\\u0000") ||
    /\\u[dD][89a-fA-F]/.test(args.body.text) ||
    Object.entries(queryParams).some(([k, v]) => k.includes("\0") || v.includes("\0"));
  return mayHoldNul ? replaceNulCharacters(input) : input;
}
