import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, parseConfig } from "./config";

describe("parseConfig", () => {
  it("applies safe development defaults", () => {
    const c = parseConfig({});
    assert.equal(c.PORT, 8000);
    assert.equal(c.HOST, "127.0.0.1");
    assert.equal(c.AUTH_MODE, "disabled");
    assert.equal(c.CRON_DISPATCH_INTERVAL, 5);
    assert.equal(c.RECONCILE_AFTER_SECONDS, 10);
    assert.deepEqual(c.API_TOKENS, []);
  });

  it("splits API_TOKENS on commas and treats empty values as unset", () => {
    const c = parseConfig({ API_TOKENS: " a, b ,,", PORT: "" });
    assert.deepEqual(c.API_TOKENS, ["a", "b"]);
    assert.equal(c.PORT, 8000);
  });

  it("names every bad variable in one error", () => {
    assert.throws(
      () => parseConfig({ PORT: "eighty", AUTH_MODE: "maybe", WORKER_CONCURRENCY: "0", REDIS_URL: "http://x" }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        for (const name of ["PORT", "AUTH_MODE", "WORKER_CONCURRENCY", "REDIS_URL"])
          assert.match(err.message, new RegExp(name));
        return true;
      },
    );
  });

  it("accepts AUTH_MODE=required without API_TOKENS (keys in Postgres) and wants admin credentials in pairs", () => {
    assert.deepEqual(parseConfig({ AUTH_MODE: "required" }).API_TOKENS, []);
    assert.throws(() => parseConfig({ ADMIN_USERNAME: "a" }), /ADMIN_PASSWORD/);
    assert.throws(() => parseConfig({ TRUST_PROXY: "yes please" }), /TRUST_PROXY/);
  });

  it("serves metrics on fixed development ports and keeps tracing off by default", () => {
    const c = parseConfig({});
    assert.equal(c.METRICS_ENABLED, true);
    assert.equal(c.METRICS_HOST, "127.0.0.1");
    assert.equal(c.METRICS_PORT, 9101);
    assert.equal(c.METRICS_PORT_OFFSET, 0);
    assert.equal(c.BEAT_METRICS_PORT, 9100);
    assert.equal(c.METRICS_TOKEN, undefined);
    assert.equal(c.OTEL_EXPORTER_OTLP_ENDPOINT, undefined);
    assert.equal(c.OTEL_EXPORTER_OTLP_PROTOCOL, "http/json");
  });

  it("parses the metrics and OTLP settings and rejects what it cannot use", () => {
    const c = parseConfig({
      METRICS_PORT_OFFSET: "3",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
      OTEL_EXPORTER_OTLP_HEADERS: "api-key=abc%20d, x-team=ops",
      METRICS_ENABLED: "false",
    });
    assert.equal(c.METRICS_PORT_OFFSET, 3);
    assert.equal(c.METRICS_ENABLED, false);
    assert.deepEqual(c.OTEL_EXPORTER_OTLP_HEADERS, ["api-key=abc%20d", "x-team=ops"]);
    assert.throws(() => parseConfig({ METRICS_PORT_OFFSET: "a" }), /METRICS_PORT_OFFSET/);
    assert.throws(() => parseConfig({ METRICS_PORT: "65535", METRICS_PORT_OFFSET: "1" }), /METRICS_PORT_OFFSET/);
    assert.throws(
      () => parseConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }),
      /OTEL_EXPORTER_OTLP_PROTOCOL: only http\/json/,
    );
    assert.throws(() => parseConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "collector" }), /OTEL_EXPORTER_OTLP_ENDPOINT/);
    assert.throws(() => parseConfig({ OTEL_EXPORTER_OTLP_HEADERS: "novalue" }), /OTEL_EXPORTER_OTLP_HEADERS/);
  });

  it("has no default SECRET_KEY, wants 32 characters, and a SECRET_KEY beside SECRET_KEY_PREVIOUS", () => {
    const c = parseConfig({});
    assert.equal(c.SECRET_KEY, undefined);
    assert.equal(c.MANAGEMENT_RATE_LIMIT_PER_MINUTE, 1200);
    assert.throws(() => parseConfig({ SECRET_KEY: "short" }), /SECRET_KEY: must be at least 32/);
    assert.throws(() => parseConfig({ SECRET_KEY_PREVIOUS: "p".repeat(32) }), /SECRET_KEY: must be set/);
    assert.equal(parseConfig({ SECRET_KEY: "k".repeat(32) }).SECRET_KEY, "k".repeat(32));
  });

  it("bounds code nodes per worker by default and refuses an engine too small to start", () => {
    const c = parseConfig({});
    assert.deepEqual([c.CODE_MAX_CONCURRENCY, c.CODE_MEMORY_LIMIT_MB, c.CODE_MAX_OUTPUT_BYTES], [4, 64, 1_048_576]);
    assert.throws(
      () => parseConfig({ CODE_MAX_CONCURRENCY: "0", CODE_MEMORY_LIMIT_MB: "16", CODE_MAX_OUTPUT_BYTES: "10" }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        for (const name of ["CODE_MAX_CONCURRENCY", "CODE_MEMORY_LIMIT_MB", "CODE_MAX_OUTPUT_BYTES"])
          assert.match(err.message, new RegExp(name));
        return true;
      },
    );
  });

  it("defaults the lease, crash and shutdown settings and keeps the heartbeat within half the lease", () => {
    const c = parseConfig({});
    assert.deepEqual(
      [c.RUN_LEASE_SECONDS, c.RUN_LEASE_HEARTBEAT_SECONDS, c.MAX_CRASH_RECOVERIES, c.WORKER_SHUTDOWN_TIMEOUT],
      [10, 3, 2, 30],
    );
    assert.throws(
      () => parseConfig({ RUN_LEASE_SECONDS: "4", RUN_LEASE_HEARTBEAT_SECONDS: "3" }),
      /RUN_LEASE_HEARTBEAT_SECONDS/,
    );
    assert.throws(() => parseConfig({ WORKER_SHUTDOWN_TIMEOUT: "120" }), /WORKER_SHUTDOWN_TIMEOUT/);
  });

  it("refuses an ADMIN_PASSWORD shorter than 12 characters in production only", () => {
    const admin = (password: string, NODE_ENV: string) =>
      parseConfig({ NODE_ENV, ADMIN_USERNAME: "admin", ADMIN_PASSWORD: password });
    assert.throws(() => admin("elevenchars", "production"), /ADMIN_PASSWORD: must be at least 12 characters/);
    assert.equal(admin("twelve chars", "production").ADMIN_PASSWORD, "twelve chars");
    assert.equal(admin("short", "development").ADMIN_PASSWORD, "short");
    assert.equal(admin("short", "test").ADMIN_PASSWORD, "short");
  });

  it("throttles failed sign-ins and cuts slow clients off by default, and keeps the headers within the request", () => {
    const c = parseConfig({});
    assert.deepEqual(
      [c.AUTH_FAILURES_PER_IP, c.AUTH_FAILURES_PER_USERNAME, c.AUTH_FAILURE_WINDOW_SECONDS],
      [20, 100, 600],
    );
    assert.deepEqual(
      [c.API_HEADERS_TIMEOUT_MS, c.API_REQUEST_TIMEOUT_MS, c.API_KEEP_ALIVE_TIMEOUT_MS, c.API_MAX_CONNECTIONS],
      [10_000, 30_000, 65_000, 1_000],
    );
    assert.throws(
      () => parseConfig({ API_HEADERS_TIMEOUT_MS: "20000", API_REQUEST_TIMEOUT_MS: "10000" }),
      /API_HEADERS_TIMEOUT_MS: must be at most API_REQUEST_TIMEOUT_MS/,
    );
    assert.throws(() => parseConfig({ API_REQUEST_TIMEOUT_MS: "0" }), /API_REQUEST_TIMEOUT_MS/);
    assert.equal(parseConfig({ AUTH_FAILURES_PER_IP: "0" }).AUTH_FAILURES_PER_IP, 0);
  });

  it("reads WORKER_QUEUES as a list of queue names, default the default queue alone", () => {
    assert.deepEqual(parseConfig({}).WORKER_QUEUES, ["default"]);
    assert.deepEqual(parseConfig({ WORKER_QUEUES: "" }).WORKER_QUEUES, ["default"]);
    assert.deepEqual(parseConfig({ WORKER_QUEUES: " default, reports_1 ,," }).WORKER_QUEUES, ["default", "reports_1"]);
    for (const [bad, why] of [
      ["has space", /WORKER_QUEUES\.0: each queue is 1 to 64 characters/],
      ["a:b", /WORKER_QUEUES\.0: each queue/],
      ["Reports", /WORKER_QUEUES\.0: each queue/],
      ["a,a", /WORKER_QUEUES: a queue is listed twice/],
      [",", /WORKER_QUEUES: name at least one queue/],
    ] as const) {
      assert.throws(() => parseConfig({ WORKER_QUEUES: bad }), why, bad);
    }
  });

  it("reads WEBHOOK_DEFAULT_RATE_LIMIT as <limit>/<interval_seconds> or off", () => {
    const limit = (value?: string) => parseConfig({ WEBHOOK_DEFAULT_RATE_LIMIT: value }).WEBHOOK_DEFAULT_RATE_LIMIT;
    assert.deepEqual(limit(), { limit: 600, interval_seconds: 60 });
    assert.deepEqual(limit("10/1"), { limit: 10, interval_seconds: 1 });
    assert.equal(limit("off"), null);
    for (const bad of ["600", "0/60", "10/0", "ten/60", "1000001/1", "-1/60"]) {
      assert.throws(() => limit(bad), /WEBHOOK_DEFAULT_RATE_LIMIT: must be <limit>\/<interval_seconds>/, bad);
    }
  });

  it("reads Redis Sentinel and Cluster addresses as host:port lists, one mode at a time", () => {
    const c = parseConfig({ REDIS_SENTINELS: "10.0.0.5:26379, s2.local:26380", REDIS_SENTINEL_MASTER: "mymaster" });
    assert.deepEqual(c.REDIS_SENTINELS, [
      { host: "10.0.0.5", port: 26379 },
      { host: "s2.local", port: 26380 },
    ]);
    assert.throws(() => parseConfig({ REDIS_SENTINELS: "10.0.0.5:26379" }), /REDIS_SENTINEL_MASTER: must be set/);
    assert.throws(() => parseConfig({ REDIS_SENTINELS: "10.0.0.5" }), /REDIS_SENTINELS.*host:port/);
    const cluster = parseConfig({ REDIS_CLUSTER_NODES: "127.0.0.1:7000" });
    assert.deepEqual(cluster.REDIS_CLUSTER_NODES, [{ host: "127.0.0.1", port: 7000 }]);
    // Every key under one hash tag: each queue's keys share a slot.
    assert.equal(cluster.QUEUE_PREFIX, "{switchyard}");
    assert.equal(parseConfig({}).QUEUE_PREFIX, "switchyard");
    assert.throws(() => parseConfig({ REDIS_CLUSTER_NODES: "127.0.0.1:70000" }), /at most 65535/);
    assert.throws(
      () => parseConfig({ REDIS_SENTINELS: "a:1", REDIS_SENTINEL_MASTER: "m", REDIS_CLUSTER_NODES: "b:2" }),
      /cannot both be set/,
    );
    assert.equal(parseConfig({ DATABASE_POOLER: "transaction" }).DATABASE_POOLER, "transaction");
    assert.throws(() => parseConfig({ DATABASE_POOLER: "session" }), /DATABASE_POOLER/);
  });
});
