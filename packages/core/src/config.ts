import { isIP } from "node:net";
import { z } from "zod";

const csv = z.string().transform((s) =>
  s
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t.length > 0),
);

/** `host:port` entries (Redis Sentinels, Redis Cluster seed nodes). */
const hostPorts = csv.pipe(
  z.array(
    z
      .string()
      .regex(/^[^\s:]+:\d{1,5}$/, "must be host:port entries, comma-separated")
      .refine((entry) => Number(entry.slice(entry.lastIndexOf(":") + 1)) <= 65535, "a port is at most 65535")
      .transform((entry) => {
        const at = entry.lastIndexOf(":");
        return { host: entry.slice(0, at), port: Number(entry.slice(at + 1)) };
      }),
  ),
);

const port = (def: number) => z.coerce.number().int().min(0).max(65535).default(def);

const seconds = (def: number) => z.coerce.number().int().min(1).default(def);
const MiB = 1024 * 1024;

const HOST_NAME = /^(?=.{1,253}\.?$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?\.)*[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?\.?$/i;
/** An HTTP_REQUEST_ALLOW_HOSTS entry: a host name, an IP address, or a CIDR range of either family. */
const AllowHost = z.string().refine(
  (entry) => {
    const [address = "", prefix, extra] = entry.split("/");
    const family = isIP(address);
    if (prefix === undefined) return family !== 0 || HOST_NAME.test(entry);
    const bits = Number(prefix);
    return extra === undefined && family !== 0 && /^\d+$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
  },
  { error: (issue) => `'${String(issue.input)}' is not a host name, an IP address or a CIDR range (10.0.0.0/8)` },
);

/** A retention window in whole days: at least one, at most a century. */
export const RetentionDays = z.coerce.number().int().min(1).max(36_500);

/** The shortest ADMIN_PASSWORD a production process accepts. */
const MIN_ADMIN_PASSWORD = 12;

/** The bounds of a webhook config's rate_limit (webhook-config.ts), which the platform default shares. */
const MAX_RATE_LIMIT = 1_000_000;
const MAX_RATE_INTERVAL_SECONDS = 365 * 24 * 3600;

/** `<limit>/<interval_seconds>` (e.g. `600/60`: 600 deliveries per 60 s), or `off`. */
const RateLimitSetting = z
  .string()
  .trim()
  .transform((s, ctx) => {
    if (s.toLowerCase() === "off") return null;
    const match = /^(\d{1,7})\/(\d{1,8})$/.exec(s);
    const limit = Number(match?.[1]);
    const interval = Number(match?.[2]);
    if (match === null || limit < 1 || limit > MAX_RATE_LIMIT || interval < 1 || interval > MAX_RATE_INTERVAL_SECONDS) {
      ctx.addIssue({
        code: "custom",
        message: `must be <limit>/<interval_seconds> (e.g. 600/60; limit 1-${MAX_RATE_LIMIT}, interval 1-${MAX_RATE_INTERVAL_SECONDS}) or off`,
      });
      return z.NEVER;
    }
    return { limit, interval_seconds: interval };
  });

/** Every environment variable the platform reads. docs/configuration.md and .env.example list the same. */
export const Config = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL")
      .default("postgresql://postgres@127.0.0.1:5432/switchyard"),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(10),
    // A request never hangs on a dead database: getting a connection and each statement are bounded.
    DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5_000),
    DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
    // How long a worker keeps retrying a run's writes while Postgres is unreachable before handing the job back.
    DATABASE_RETRY_MAX_SECONDS: z.coerce.number().int().min(1).max(3_600).default(120),
    // `transaction`: DATABASE_URL is a transaction-mode pooler (PgBouncer): no named prepared statements and no
    // startup parameters such as statement_timeout (set it on the pooler or the role instead; docs/scaling.md).
    DATABASE_POOLER: z.enum(["none", "transaction"]).default("none"),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, "must be a redis:// URL")
      .default("redis://127.0.0.1:6379"),
    // Redis Sentinel (used instead of REDIS_URL's host and port, its password and db still apply): the sentinels to
    // ask, the master's name, and the sentinels' own password.
    REDIS_SENTINELS: hostPorts.default([]),
    REDIS_SENTINEL_MASTER: z.string().min(1).optional(),
    REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
    // Redis Cluster seed nodes (used instead of REDIS_URL's host and port; its password applies). Every key then lives
    // under the hash-tagged prefix {QUEUE_PREFIX}, so that each queue's keys share a slot.
    REDIS_CLUSTER_NODES: hostPorts.default([]),
    // Any maxmemory-policy but noeviction can drop queued jobs; the api and worker refuse it unless this is true.
    ALLOW_REDIS_EVICTION: z.stringbool().default(false),
    QUEUE_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, "letters, digits, _ and - only")
      .default("switchyard"),
    HOST: z.string().min(1).default("127.0.0.1"),
    PORT: z.coerce.number().int().min(0).max(65535).default(8000),
    API_URL: z.url().default("http://127.0.0.1:8000"),
    // The API key the command line and its stdio MCP server (`switchyard mcp`) send to API_URL; else API_TOKENS' first.
    SWITCHYARD_API_KEY: z.string().min(1).optional(),
    // The MCP endpoint (/mcp) on the API, behind the same API-key auth and scopes as the REST API.
    MCP_ENABLED: z.stringbool().default(true),
    // Run event streams (docs/run-events.md): a comment line this often keeps proxies from closing an idle stream,
    // and a client whose unsent events pass RUN_EVENTS_MAX_BUFFER_BYTES is cut off with an `error` event.
    RUN_EVENTS_HEARTBEAT_SECONDS: z.coerce.number().int().min(1).max(300).default(15),
    RUN_EVENTS_MAX_BUFFER_BYTES: z.coerce
      .number()
      .int()
      .min(1_024)
      .max(64 * 1024 * 1024)
      .default(1_048_576),
    // Slow clients are cut off (408 and closed): the headers must arrive within API_HEADERS_TIMEOUT_MS and the whole
    // request, body included, within API_REQUEST_TIMEOUT_MS, on every route. An idle keep-alive connection is closed
    // after API_KEEP_ALIVE_TIMEOUT_MS (longer than the usual proxy idle timeout, 60 s, so the proxy closes first).
    API_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
    API_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
    API_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(65_000),
    // Open connections per API process; further ones are closed at once. 0: no cap.
    API_MAX_CONNECTIONS: z.coerce.number().int().min(0).max(1_000_000).default(1_000),
    AUTH_MODE: z.enum(["disabled", "required"]).default("disabled"),
    API_TOKENS: csv.default([]),
    ADMIN_USERNAME: z.string().min(1).optional(),
    ADMIN_PASSWORD: z.string().min(1).optional(),
    TRUST_PROXY: z.stringbool().default(false),
    // Failed sign-ins (API keys, dashboard and Bull Board passwords) per client address and per user name within a
    // window, before they are refused with 429; 0 turns a limit off. Per name: only addresses that failed themselves.
    AUTH_FAILURES_PER_IP: z.coerce.number().int().min(0).max(1_000_000).default(20),
    AUTH_FAILURES_PER_USERNAME: z.coerce.number().int().min(0).max(1_000_000).default(100),
    AUTH_FAILURE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(600),
    // Requests per minute per API key on the management routes (all of /api but webhook invocation); 0: no limit.
    MANAGEMENT_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(1200),
    // Deliveries per workflow that a webhook config without a rate_limit of its own admits; "off": no default limit.
    WEBHOOK_DEFAULT_RATE_LIMIT: RateLimitSetting.default({ limit: 600, interval_seconds: 60 }),
    // Encrypts webhook secrets at rest (AES-256-GCM); no default, it is a secret. PREVIOUS still decrypts after a rotation.
    SECRET_KEY: z.string().min(32, "must be at least 32 characters (e.g. openssl rand -base64 32)").optional(),
    SECRET_KEY_PREVIOUS: z.string().min(32, "must be at least 32 characters").optional(),
    WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(100),
    WORKER_ID: z.string().min(1).optional(),
    // The routing queues this worker consumes (docs/flow-control.md), Celery's -Q; each a queue name, listed once.
    WORKER_QUEUES: csv
      .pipe(
        z
          .array(z.string().regex(/^[a-z0-9_-]{1,64}$/, "each queue is 1 to 64 characters among a-z, 0-9, '_' and '-'"))
          .min(1, "name at least one queue")
          .max(50)
          .refine((qs) => new Set(qs).size === qs.length, "a queue is listed twice"),
      )
      .default(["default"]),
    // Worker-wide default run timeout; a version's or run's runnable_config.timeout_seconds wins.
    RUN_TIMEOUT_SECONDS: z.coerce
      .number()
      .positive()
      .max(7 * 86_400)
      .optional(),
    // Workflow expressions (JSONata in transform, when, {{ }}): per evaluation, time, nesting depth and elements built.
    EXPRESSION_TIMEOUT_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
    EXPRESSION_MAX_DEPTH: z.coerce.number().int().min(10).max(100_000).default(1_000),
    EXPRESSION_MAX_BUILD: z.coerce.number().int().min(1_000).max(1_000_000_000).default(10_000_000),
    // JSON size of one node's output, and of all of a run's outputs together (held by the worker, stored in Postgres).
    NODE_MAX_OUTPUT_BYTES: z.coerce.number().int().min(1_024).max(268_435_456).default(4_194_304),
    RUN_MAX_STATE_BYTES: z.coerce.number().int().min(1_024).max(1_073_741_824).default(33_554_432),
    // Node type plugins: module paths (relative to the working directory) or package names, loaded by api and worker.
    NODE_PLUGINS: csv.default([]),
    // http.request (docs/security.md, Outgoing HTTP from workflows): the largest max_response_bytes a node may set,
    // the response bodies a worker reads at once (all nodes together), and which addresses it may not reach.
    HTTP_REQUEST_MAX_RESPONSE_BYTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(1024 * MiB)
      .default(50 * MiB),
    HTTP_REQUEST_RESPONSE_BUDGET_MB: z.coerce.number().int().min(1).max(65_536).default(128),
    HTTP_REQUEST_DENY_PRIVATE: z.stringbool().default(false),
    HTTP_REQUEST_ALLOW_HOSTS: csv.pipe(z.array(AllowHost)).default([]),
    // A running run's lease: renewed every RUN_LEASE_HEARTBEAT_SECONDS; once it expires the run is taken over.
    RUN_LEASE_SECONDS: seconds(10),
    RUN_LEASE_HEARTBEAT_SECONDS: seconds(3),
    // Takeovers of one run after its worker died; the next time it is failed (a run that kills its worker).
    MAX_CRASH_RECOVERIES: z.coerce.number().int().min(0).max(100).default(2),
    // Child runs: how deep runs may nest below a top-level run, and how many items one map node may fan out over.
    MAX_RUN_DEPTH: z.coerce.number().int().min(0).max(50).default(5),
    MAP_MAX_ITEMS: z.coerce.number().int().min(1).max(100_000).default(10_000),
    // Graceful shutdown: a worker lets runs finish this long, then returns the rest to pending. Bounded so that it,
    // with the hand-over after it, stays within the process's forced-exit deadline (60 s; systemd waits 75 s).
    WORKER_SHUTDOWN_TIMEOUT: z.coerce.number().int().min(0).max(45).default(30),
    // The api finishes in-flight requests this long on shutdown (forced exit at 30 s; systemd waits 45 s).
    API_SHUTDOWN_TIMEOUT: z.coerce.number().int().min(0).max(25).default(20),
    // A worker whose consumer took and finished nothing this long while jobs wait recreates it.
    WORKER_WATCHDOG_SECONDS: seconds(30),
    // Code nodes, per worker process (docs/security.md): engines running code at once, each engine's whole memory
    // (at least 32: the engine's own stack and structures take about 8 MB), the largest JSON a code node returns.
    CODE_MAX_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    CODE_MEMORY_LIMIT_MB: z.coerce.number().int().min(32).max(2_048).default(64),
    CODE_MAX_OUTPUT_BYTES: z.coerce.number().int().min(1_024).max(268_435_456).default(1_048_576),
    CRON_DISPATCH_INTERVAL: seconds(5),
    CRON_MISFIRE_GRACE_SECONDS: seconds(60),
    RECONCILE_AFTER_SECONDS: seconds(10),
    RECONCILE_INTERVAL_SECONDS: seconds(5),
    SCHEDULER_REFRESH_SECONDS: seconds(30),
    // Terminal runs (with their steps and audit) are deleted this long after completed_at; a workflow may override.
    RUN_RETENTION_DAYS: RetentionDays.default(30),
    // Failed runs' window when set (keep failures longer); else RUN_RETENTION_DAYS.
    RUN_RETENTION_DAYS_FAILED: RetentionDays.optional(),
    RETENTION_INTERVAL_SECONDS: seconds(3_600),
    RETENTION_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(1_000),
    RETENTION_MAX_BATCHES: z.coerce.number().int().min(1).max(100_000).default(100),
    // The webhook inbox (docs/inbox.md): entries are purged this long after they were received; rejected deliveries
    // kept per workflow and minute at most (the rest are counted, not kept); the bytes of a body kept at most.
    INBOX_RETENTION_DAYS: RetentionDays.default(7),
    INBOX_REJECTED_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(600),
    INBOX_MAX_BODY_BYTES: z.coerce.number().int().min(0).max(104_857_600).default(1_048_576),
    // Outgoing run events (docs/outgoing-events.md): each send's whole time bound, deliveries a worker sends at
    // once, how often a worker looks for due ones without being poked, and whether receivers on loopback or private
    // addresses may be reached (subscriptions are admin-configured: allowed by default). The retry schedule's delays
    // and its 24 h window are multiplied by SUBSCRIPTION_RETRY_SCALE (1 in production; at least 0.001, for tests).
    // Delivered and failed deliveries are purged this long after they finished, missed cron occurrences after raised.
    SUBSCRIPTION_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(60).default(10),
    SUBSCRIPTION_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(64),
    SUBSCRIPTION_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),
    SUBSCRIPTION_ALLOW_PRIVATE: z.stringbool().default(true),
    SUBSCRIPTION_RETRY_SCALE: z.coerce.number().min(0.001).max(1).default(1),
    DELIVERY_RETENTION_DAYS: RetentionDays.default(7),
    CRON_MISSED_RETENTION_DAYS: RetentionDays.default(30),
    LOG_LEVEL: z.enum(["error", "warn", "info", "http", "verbose", "debug", "silly"]).default("info"),
    LOG_FORMAT: z.enum(["json", "pretty"]).default("json"),
    // Prometheus: /metrics on the API, a small listener on each worker and beat (docs/observability.md).
    METRICS_ENABLED: z.stringbool().default(true),
    METRICS_TOKEN: z.string().min(1).optional(),
    METRICS_HOST: z.string().min(1).default("127.0.0.1"),
    // The worker's listener; a systemd instance N adds METRICS_PORT_OFFSET=N. 0 = any free port (logged).
    METRICS_PORT: port(9101),
    METRICS_PORT_OFFSET: z.coerce.number().int().min(0).max(10_000).default(0),
    BEAT_METRICS_PORT: port(9100),
    // OpenTelemetry tracing: off unless an OTLP endpoint is set.
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
    OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(["http/json"], { message: "only http/json is supported" }).default("http/json"),
    OTEL_EXPORTER_OTLP_HEADERS: csv
      .pipe(z.array(z.string().regex(/^[^=]+=.*$/, "must be key=value pairs")))
      .default([]),
    OTEL_SERVICE_NAME: z.string().min(1).optional(),
  })
  .superRefine((c, ctx) => {
    if (c.RUN_LEASE_HEARTBEAT_SECONDS * 2 > c.RUN_LEASE_SECONDS) {
      ctx.addIssue({
        code: "custom",
        path: ["RUN_LEASE_HEARTBEAT_SECONDS"],
        message: "must be at most half of RUN_LEASE_SECONDS, so one late heartbeat does not lose a lease",
      });
    }
    // AUTH_MODE=required needs no API_TOKENS: keys may live in Postgres only (created with `switchyard keys create`).
    if (c.SECRET_KEY_PREVIOUS !== undefined && c.SECRET_KEY === undefined) {
      ctx.addIssue({ code: "custom", path: ["SECRET_KEY"], message: "must be set when SECRET_KEY_PREVIOUS is" });
    }
    if ((c.ADMIN_USERNAME === undefined) !== (c.ADMIN_PASSWORD === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: [c.ADMIN_USERNAME === undefined ? "ADMIN_USERNAME" : "ADMIN_PASSWORD"],
        message: "ADMIN_USERNAME and ADMIN_PASSWORD are set together or not at all",
      });
    }
    if (c.HTTP_REQUEST_MAX_RESPONSE_BYTES > c.HTTP_REQUEST_RESPONSE_BUDGET_MB * MiB) {
      ctx.addIssue({
        code: "custom",
        path: ["HTTP_REQUEST_MAX_RESPONSE_BYTES"],
        message: "must be at most HTTP_REQUEST_RESPONSE_BUDGET_MB (in bytes): a body that large could never be read",
      });
    }
    if (c.API_HEADERS_TIMEOUT_MS > c.API_REQUEST_TIMEOUT_MS) {
      ctx.addIssue({
        code: "custom",
        path: ["API_HEADERS_TIMEOUT_MS"],
        message: "must be at most API_REQUEST_TIMEOUT_MS (the headers are part of the request)",
      });
    }
    // A short admin password falls to a guessing attack even when sign-ins are throttled.
    if (c.NODE_ENV === "production" && c.ADMIN_PASSWORD !== undefined && c.ADMIN_PASSWORD.length < MIN_ADMIN_PASSWORD) {
      ctx.addIssue({
        code: "custom",
        path: ["ADMIN_PASSWORD"],
        message: `must be at least ${MIN_ADMIN_PASSWORD} characters in production (e.g. openssl rand -base64 18)`,
      });
    }
    if (c.REDIS_SENTINELS.length > 0 && c.REDIS_SENTINEL_MASTER === undefined) {
      ctx.addIssue({ code: "custom", path: ["REDIS_SENTINEL_MASTER"], message: "must be set when REDIS_SENTINELS is" });
    }
    if (c.REDIS_SENTINELS.length > 0 && c.REDIS_CLUSTER_NODES.length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["REDIS_CLUSTER_NODES"],
        message: "REDIS_SENTINELS and REDIS_CLUSTER_NODES cannot both be set",
      });
    }
    if (c.METRICS_PORT !== 0 && c.METRICS_PORT + c.METRICS_PORT_OFFSET > 65535) {
      ctx.addIssue({ code: "custom", path: ["METRICS_PORT_OFFSET"], message: "METRICS_PORT + offset exceeds 65535" });
    }
  });
export type Config = z.infer<typeof Config>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses the environment once per process; every problem is listed, each naming its variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  // An empty value means "unset", as in most .env files.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = Config.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".") || "(config)"}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  // On a Redis Cluster every key lives under the hash-tagged prefix, so that each queue's keys share a slot (as BullMQ
  // requires) and every multi-key command stays on one node.
  if (result.data.REDIS_CLUSTER_NODES.length > 0)
    return { ...result.data, QUEUE_PREFIX: `{${result.data.QUEUE_PREFIX}}` };
  return result.data;
}
