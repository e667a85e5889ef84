import { z } from "zod";
import { ValidationError, type ValidationIssue } from "../../errors";
import { toValidationIssues } from "../../http/parse-input";
import { expressionError } from "../../engine/compile-expression";

/** What GET and PUT answer in place of a stored secret; sent back in a PUT, it keeps the stored one. */
export const SECRET_MASK = "********";

export const HMAC_ALGORITHMS = ["sha1", "sha256", "sha512"] as const;
export type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number];

// Sanity bounds beyond the spec's minimums: they keep Redis TTLs, sorted sets and buffered bodies finite.
const ONE_YEAR_SECONDS = 365 * 24 * 3600;
const MAX_BODY_BYTES_CEILING = 64 * 1024 * 1024;

/** An RFC 9110 field name, stored lower-cased because Node lower-cases incoming header names. */
const HeaderName = z
  .string()
  .trim()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,200}$/, "must be an HTTP header name")
  .transform((s) => s.toLowerCase());

const Secret = z.string().min(1).max(4096);

export const WebhookRateLimit = z.strictObject({
  limit: z.number().int().min(1).max(1_000_000).default(60),
  interval_seconds: z.number().int().min(1).max(ONE_YEAR_SECONDS).default(60),
});
export type WebhookRateLimit = z.infer<typeof WebhookRateLimit>;

/** Wait at most this long for a run in `wait` mode (`response.timeout_ms`, `?wait=`). */
export const MAX_WEBHOOK_WAIT_MS = 30_000;

/** How a delivery is answered (docs/sync-webhooks.md): at once (202), or when its run ends (`wait`). */
export const WebhookResponseMode = z.strictObject({
  mode: z.enum(["async", "wait"]).default("async"),
  timeout_ms: z.number().int().min(1).max(MAX_WEBHOOK_WAIT_MS).default(10_000),
});
export type WebhookResponseMode = z.infer<typeof WebhookResponseMode>;
/** Deliveries with the same key value within `seconds` of the last one make one run (docs/flow-control.md). */
export const WebhookDebounce = z
  .strictObject({
    key: z.string().min(1).max(1_000),
    seconds: z.number().int().min(1).max(3_600),
  })
  .superRefine((d, ctx) => {
    const error = expressionError(d.key);
    if (error !== null) ctx.addIssue({ code: "custom", path: ["key"], message: `not valid JSONata: ${error}` });
  });
export type WebhookDebounce = z.infer<typeof WebhookDebounce>;

/** The PUT body. Pair rules and masked secrets are settled by `parseWebhookConfig`, which sees the stored config. */
export const WebhookConfigBody = z.strictObject({
  allowed_methods: z
    .array(
      z
        .string()
        .trim()
        .regex(/^[A-Za-z]{1,20}$/, "must be an HTTP method"),
    )
    .min(1, "at least one HTTP method must be allowed")
    .default(["GET", "POST"])
    .transform((methods) => [...new Set(methods.map((m) => m.toUpperCase()))].sort()),
  required_headers: z
    .record(HeaderName, z.string().max(8192))
    .default({})
    .transform((headers) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))),
  required_query_params: z.record(z.string().min(1).max(200), z.string().max(8192)).default({}),
  secret_header: HeaderName.nullish(),
  shared_secret: Secret.nullish(),
  hmac_header: HeaderName.nullish(),
  hmac_secret: Secret.nullish(),
  hmac_algorithm: z
    .string()
    .transform((s) => s.trim().toLowerCase())
    .pipe(z.enum(HMAC_ALGORITHMS, "must be one of sha1, sha256, sha512"))
    .default("sha256")
    .meta({ description: "sha1, sha256 or sha512 (any case)" }),
  hmac_timestamp_header: HeaderName.nullish(),
  hmac_tolerance_seconds: z.number().int().min(0).max(ONE_YEAR_SECONDS).default(300),
  rate_limit: WebhookRateLimit.nullish().meta({
    description: "Deliveries admitted per interval; unset or null: the platform's WEBHOOK_DEFAULT_RATE_LIMIT applies",
  }),
  idempotency_header: HeaderName.nullish().meta({
    description: "A header identifying a delivery (e.g. x-github-delivery): a repeated value creates no second run",
  }),
  max_body_bytes: z.number().int().min(1).max(MAX_BODY_BYTES_CEILING).default(1_048_576),
  response: WebhookResponseMode.default({ mode: "async", timeout_ms: 10_000 }).meta({
    description:
      "async: 202 at once; wait: answer when the run ends (200 with its result or error), 202 + Location past timeout_ms",
  }),
  debounce: WebhookDebounce.nullish().meta({
    description:
      "Deliveries whose `key` (JSONata over `{input}`) has the same value within `seconds` of the last one make one run, with the last delivery's input, started `seconds` after it",
  }),
});

/** A complete, normalised config: what is stored in webhook_configs.config and what the invoke path reads. */
export type WebhookConfig = {
  allowed_methods: string[];
  required_headers: Record<string, string>;
  required_query_params: Record<string, string>;
  secret_header: string | null;
  shared_secret: string | null;
  hmac_header: string | null;
  hmac_secret: string | null;
  hmac_algorithm: HmacAlgorithm;
  hmac_timestamp_header: string | null;
  hmac_tolerance_seconds: number;
  rate_limit: WebhookRateLimit | null;
  idempotency_header: string | null;
  max_body_bytes: number;
  response: WebhookResponseMode;
  debounce: WebhookDebounce | null;
};

export const DEFAULT_WEBHOOK_CONFIG: Readonly<WebhookConfig> = Object.freeze({
  allowed_methods: ["GET", "POST"],
  required_headers: {},
  required_query_params: {},
  secret_header: null,
  shared_secret: null,
  hmac_header: null,
  hmac_secret: null,
  hmac_algorithm: "sha256",
  hmac_timestamp_header: null,
  hmac_tolerance_seconds: 300,
  rate_limit: null,
  idempotency_header: null,
  max_body_bytes: 1_048_576,
  response: Object.freeze({ mode: "async", timeout_ms: 10_000 }) as WebhookResponseMode,
  debounce: null,
});

/**
 * A PUT body → the config to store. A secret sent as the mask keeps the stored one (422 when none is
 * stored); then each header/secret pair must be both set or both unset.
 */
export function parseWebhookConfig(body: unknown, stored: WebhookConfig | null): WebhookConfig {
  const result = WebhookConfigBody.safeParse(body);
  if (!result.success) throw new ValidationError(toValidationIssues(result.error, "body"));
  const b = result.data;
  const issues: ValidationIssue[] = [];
  const keep = (field: "shared_secret" | "hmac_secret", sent: string | null | undefined): string | null => {
    if (sent !== SECRET_MASK) return sent ?? null;
    const current = stored?.[field] ?? null;
    if (current === null) issues.push(issue(field, `no stored ${field} to keep: send the secret itself`));
    return current;
  };
  const config: WebhookConfig = {
    allowed_methods: b.allowed_methods,
    required_headers: b.required_headers,
    required_query_params: b.required_query_params,
    secret_header: b.secret_header ?? null,
    shared_secret: keep("shared_secret", b.shared_secret),
    hmac_header: b.hmac_header ?? null,
    hmac_secret: keep("hmac_secret", b.hmac_secret),
    hmac_algorithm: b.hmac_algorithm,
    hmac_timestamp_header: b.hmac_timestamp_header ?? null,
    hmac_tolerance_seconds: b.hmac_tolerance_seconds,
    rate_limit: b.rate_limit ?? null,
    idempotency_header: b.idempotency_header ?? null,
    max_body_bytes: b.max_body_bytes,
    response: b.response,
    debounce: b.debounce ?? null,
  };
  if (issues.length === 0) {
    if ((config.secret_header === null) !== (config.shared_secret === null)) {
      const missing = config.secret_header === null ? "secret_header" : "shared_secret";
      issues.push(issue(missing, "secret_header and shared_secret must be set together or not at all"));
    }
    if ((config.hmac_header === null) !== (config.hmac_secret === null)) {
      const missing = config.hmac_header === null ? "hmac_header" : "hmac_secret";
      issues.push(issue(missing, "hmac_header and hmac_secret must be set together or not at all"));
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return config;
}

function issue(field: string, msg: string): ValidationIssue {
  return { loc: ["body", field], msg, type: "value_error" };
}

/**
 * The stored JSON → a config. Stored configs were validated when saved; missing fields (a config saved by
 * an older release) take their defaults, so the hot path never re-validates.
 */
export function parseStoredWebhookConfig(stored: unknown): WebhookConfig {
  if (stored === null || typeof stored !== "object") return { ...DEFAULT_WEBHOOK_CONFIG };
  return { ...DEFAULT_WEBHOOK_CONFIG, ...(stored as Partial<WebhookConfig>) };
}

const MaskedSecret = z.literal(SECRET_MASK).nullable().meta({ description: 'Write-only: `"********"` when set' });

/** The API's view of a config (GET and PUT answers). */
export const WebhookConfigResponse = z.strictObject({
  allowed_methods: z.array(z.string()),
  required_headers: z.record(z.string(), z.string()),
  required_query_params: z.record(z.string(), z.string()),
  secret_header: z.string().nullable(),
  shared_secret: MaskedSecret,
  hmac_header: z.string().nullable(),
  hmac_secret: MaskedSecret,
  hmac_algorithm: z.enum(HMAC_ALGORITHMS),
  hmac_timestamp_header: z.string().nullable(),
  hmac_tolerance_seconds: z.number().int(),
  rate_limit: z.strictObject({ limit: z.number().int(), interval_seconds: z.number().int() }).nullable(),
  idempotency_header: z.string().nullable(),
  max_body_bytes: z.number().int(),
  response: z.strictObject({ mode: z.enum(["async", "wait"]), timeout_ms: z.number().int() }),
  debounce: z.strictObject({ key: z.string(), seconds: z.number().int() }).nullable(),
});
export type WebhookConfigResponse = z.output<typeof WebhookConfigResponse>;

/** The API's view: secrets are write-only. */
export function toWebhookConfigJson(config: WebhookConfig): WebhookConfigResponse {
  return {
    ...config,
    shared_secret: config.shared_secret === null ? null : SECRET_MASK,
    hmac_secret: config.hmac_secret === null ? null : SECRET_MASK,
  };
}
