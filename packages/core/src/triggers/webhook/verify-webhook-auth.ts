import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { toCanonicalJson } from "./canonical-json";
import type { HmacAlgorithm, WebhookConfig } from "./webhook-config";

export type WebhookHeaders = Readonly<Record<string, string | string[] | undefined>>;

export type WebhookAuthInput = {
  rawBody: Buffer;
  /** Lower-cased names, as Node delivers them. */
  headers: WebhookHeaders;
  config: Pick<
    WebhookConfig,
    | "secret_header"
    | "shared_secret"
    | "hmac_header"
    | "hmac_secret"
    | "hmac_algorithm"
    | "hmac_timestamp_header"
    | "hmac_tolerance_seconds"
  >;
  now: Date;
};

export type WebhookAuthFailure =
  | "missing_signature"
  | "malformed_signature"
  | "missing_timestamp"
  | "invalid_timestamp"
  | "stale_timestamp"
  | "future_timestamp"
  | "signature_mismatch"
  | "missing_secret"
  | "secret_mismatch";

/** `signature`: the accepted HMAC digest (hex), for the replay check; null when no HMAC is configured. */
export type WebhookAuthResult = { ok: true; signature: string | null } | { ok: false; reason: WebhookAuthFailure };

/** Orcheo's order: the HMAC signature first, then the shared secret. Both must pass when both are set. */
export function verifyWebhookAuth(input: WebhookAuthInput): WebhookAuthResult {
  const hmac = verifyHmacSignature(input);
  if (!hmac.ok) return hmac;
  const secret = verifySharedSecret(input);
  if (!secret.ok) return secret;
  return hmac;
}

export function verifySharedSecret({
  headers,
  config,
}: Pick<WebhookAuthInput, "headers" | "config">): WebhookAuthResult {
  if (config.secret_header === null || config.shared_secret === null) return { ok: true, signature: null };
  const provided = headerValue(headers, config.secret_header);
  if (provided === undefined) return { ok: false, reason: "missing_secret" };
  // Comparing digests keeps the comparison constant-time whatever the lengths.
  const a = createHash("sha256").update(provided).digest();
  const b = createHash("sha256").update(config.shared_secret).digest();
  return timingSafeEqual(a, b) ? { ok: true, signature: null } : { ok: false, reason: "secret_mismatch" };
}

const DIGEST_LENGTH: Record<HmacAlgorithm, number> = { sha1: 20, sha256: 32, sha512: 64 };

/** Signature schemes in a `key=value` header; `v0` is Slack's, whose message is `v0:<ts>:<body>`. */
const HMAC_KEYS = new Set(["sha256", "sha512", "sha1", "v1", "signature"]);

export type SignatureHeader = { plain: string[]; slack: string[]; timestamp: string | null };

/**
 * A bare digest (`<hex>`), or comma-separated `key=value` parts: GitHub's `sha256=<hex>`, Stripe's
 * `t=<ts>,v1=<hex>,v1=<hex>`, Slack's `v0=<hex>`. A value with no recognised part is taken as bare.
 */
export function parseSignatureHeader(raw: string): SignatureHeader {
  const header: SignatureHeader = { plain: [], slack: [], timestamp: null };
  for (const segment of raw.split(",")) {
    const eq = segment.indexOf("=");
    if (eq < 0) continue;
    const key = segment.slice(0, eq).trim().toLowerCase();
    const value = segment.slice(eq + 1).trim();
    if (value.length === 0) continue;
    if (HMAC_KEYS.has(key)) header.plain.push(value);
    else if (key === "v0") header.slack.push(value);
    else if (key === "t") header.timestamp = value;
  }
  if (header.plain.length === 0 && header.slack.length === 0 && raw.trim().length > 0) header.plain.push(raw.trim());
  return header;
}

/** Unix seconds (digits) or ISO-8601 (a value without an offset is UTC) → epoch milliseconds; null if neither. */
export function parseSignatureTimestamp(raw: string): number | null {
  const value = raw.trim();
  if (/^\d{1,12}$/.test(value)) return Number(value) * 1000;
  const iso = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(value);
  if (iso === null) return null;
  const ms = Date.parse(iso[1] === undefined ? `${value.replace(" ", "T")}Z` : value.replace(" ", "T"));
  return Number.isNaN(ms) ? null : ms;
}

export function verifyHmacSignature({ rawBody, headers, config, now }: WebhookAuthInput): WebhookAuthResult {
  if (config.hmac_header === null || config.hmac_secret === null) return { ok: true, signature: null };
  const raw = headerValue(headers, config.hmac_header);
  if (raw === undefined || raw.trim().length === 0) return { ok: false, reason: "missing_signature" };
  const header = parseSignatureHeader(raw);

  // The timestamp header wins; a `t=` part counts only when no timestamp header is configured.
  let tsRaw: string | null = header.timestamp;
  if (config.hmac_timestamp_header !== null) {
    const value = headerValue(headers, config.hmac_timestamp_header);
    if (value === undefined || value.trim().length === 0) return { ok: false, reason: "missing_timestamp" };
    tsRaw = value.trim();
  }
  // As sent, and as Orcheo renders it (whole unix seconds), when the two differ (an ISO-8601 header).
  let tsTexts: string[] = [];
  if (tsRaw !== null) {
    const ms = parseSignatureTimestamp(tsRaw);
    if (ms === null) return { ok: false, reason: "invalid_timestamp" };
    const tolerance = config.hmac_tolerance_seconds * 1000;
    if (tolerance > 0 && now.getTime() - ms > tolerance) return { ok: false, reason: "stale_timestamp" };
    if (tolerance > 0 && ms - now.getTime() > tolerance) return { ok: false, reason: "future_timestamp" };
    tsTexts = [...new Set([tsRaw, String(Math.floor(ms / 1000))])];
  }

  const digestLength = DIGEST_LENGTH[config.hmac_algorithm];
  const plain = decodeDigests(header.plain, digestLength);
  const slack = tsTexts.length > 0 ? decodeDigests(header.slack, digestLength) : [];
  if (plain.length === 0 && slack.length === 0) return { ok: false, reason: "malformed_signature" };

  const sign = (prefix: string, body: Buffer) =>
    createHmac(config.hmac_algorithm, config.hmac_secret!).update(prefix).update(body).digest();
  for (const body of bodyForms(rawBody)) {
    if (plain.length > 0) {
      for (const prefix of tsTexts.length > 0 ? tsTexts.map((t) => `${t}.`) : [""]) {
        const match = findMatch(sign(prefix, body), plain);
        if (match !== null) return { ok: true, signature: match };
      }
    }
    for (const ts of slack.length > 0 ? tsTexts : []) {
      const match = findMatch(sign(`v0:${ts}:`, body), slack);
      if (match !== null) return { ok: true, signature: match };
    }
  }
  return { ok: false, reason: "signature_mismatch" };
}

/** The raw bytes first (what most senders sign); Orcheo's sorted-key forms only if those fail. */
function* bodyForms(rawBody: Buffer): Generator<Buffer> {
  yield rawBody;
  if (rawBody.length === 0) return;
  const text = rawBody.toString("utf8");
  const seen = [rawBody];
  for (const form of ["ascii", "utf8"] as const) {
    const canonical = toCanonicalJson(text, form);
    if (canonical === null) return;
    const bytes = Buffer.from(canonical, "utf8");
    if (seen.some((b) => b.equals(bytes))) continue;
    seen.push(bytes);
    yield bytes;
  }
}

/** Hex (any case) or base64 digests of the right length; anything else cannot match and is dropped. */
function decodeDigests(values: readonly string[], length: number): Buffer[] {
  const out: Buffer[] = [];
  for (const v of values) {
    if (v.length === length * 2 && /^[0-9a-f]+$/i.test(v)) out.push(Buffer.from(v, "hex"));
    else if (/^[A-Za-z0-9+/]+={0,2}$/.test(v)) {
      const b = Buffer.from(v, "base64");
      if (b.length === length) out.push(b);
    }
  }
  return out;
}

function findMatch(expected: Buffer, candidates: readonly Buffer[]): string | null {
  let match: string | null = null;
  // Every candidate is compared, so the time taken does not tell which one matched.
  for (const c of candidates) if (timingSafeEqual(expected, c) && match === null) match = c.toString("hex");
  return match;
}

export function headerValue(headers: WebhookHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
