import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { createQueues } from "../jobs/queues";
import { createReconciler } from "../beat/reconcile-runs";
import { seedRuns } from "../beat/testing/seed-runs";
import { createLogger } from "../logger";
import { parseConfig } from "../config";
import { createTestDeps, type TestDeps } from "../testing/test-deps";
import { metricValue } from "../testing/scrape-metrics";
import { createMetrics } from "./metrics";
import { isMetricsScrapeAllowed } from "./metrics-auth";
import { startMetricsServer } from "./metrics-server";

describe("createMetrics", () => {
  it("labels created runs by trigger, counting free-text triggered_by values as manual", async () => {
    const metrics = createMetrics();
    metrics.runsCreated([{ triggeredBy: "webhook" }, { triggeredBy: "cron" }, { triggeredBy: "nightly import" }]);
    metrics.runsCreated([{ triggeredBy: "manual" }]);
    const text = await metrics.registry.metrics();
    assert.equal(metricValue(text, "switchyard_runs_created_total", { trigger: "webhook" }), 1);
    assert.equal(metricValue(text, "switchyard_runs_created_total", { trigger: "cron" }), 1);
    assert.equal(metricValue(text, "switchyard_runs_created_total", { trigger: "manual" }), 2);
  });

  it("observes start latency of first attempts from the later of created_at and run_at", async () => {
    const metrics = createMetrics();
    const createdAt = new Date("2026-01-01T00:00:00Z");
    metrics.runStarted({ attempt: 1, createdAt, runAt: null, startedAt: new Date("2026-01-01T00:00:00.020Z") });
    // Delayed on purpose until run_at: only the wait past run_at counts.
    metrics.runStarted({
      attempt: 1,
      createdAt,
      runAt: new Date("2026-01-01T01:00:00Z"),
      startedAt: new Date("2026-01-01T01:00:00.020Z"),
    });
    // A retry's start measures the retry delay, not the platform: left out.
    metrics.runStarted({ attempt: 2, createdAt, runAt: null, startedAt: new Date("2026-01-01T02:00:00Z") });
    const text = await metrics.registry.metrics();
    assert.equal(metricValue(text, "switchyard_run_start_latency_seconds_count"), 2);
    assert.equal(metricValue(text, "switchyard_run_start_latency_seconds_bucket", { le: "0.025" }), 2);
    assert.ok(Math.abs(metricValue(text, "switchyard_run_start_latency_seconds_sum")! - 0.04) < 1e-9);
  });

  it("keeps one registry per process: two instances do not share counts", async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.reconcilerRepaired(3);
    assert.equal(metricValue(await a.registry.metrics(), "switchyard_reconciler_repairs_total"), 3);
    assert.equal(metricValue(await b.registry.metrics(), "switchyard_reconciler_repairs_total"), 0);
  });
});

describe("queue depth", () => {
  let deps: TestDeps;
  let silent: Server;
  const sockets: Socket[] = [];
  before(async () => {
    deps = await createTestDeps();
    // Accepts connections and never answers: a Redis that hangs rather than refuses.
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => silent.close(resolve));
    await deps.close();
  });

  it("reports the job counts of both queues at scrape time", async () => {
    await deps.queues.runs.add("execute_run", { run_id: "x" }, { delay: 60_000, jobId: "depth-probe" });
    const text = await deps.metrics.registry.metrics();
    assert.equal(metricValue(text, "switchyard_queue_jobs", { queue: "runs", state: "delayed" }), 1);
    assert.equal(metricValue(text, "switchyard_queue_jobs", { queue: "beat", state: "waiting" }), 0);
    assert.equal(metricValue(text, "switchyard_queue_depth_up"), 1);
  });

  it("answers a scrape without queue counts when Redis does not answer", async () => {
    const { port } = silent.address() as AddressInfo;
    const hung = new Redis({
      host: "127.0.0.1",
      port,
      enableReadyCheck: false,
      maxRetriesPerRequest: null,
      lazyConnect: true,
    });
    hung.on("error", () => undefined);
    const queues = createQueues(hung, "hung");
    queues.runs.on("error", () => undefined);
    queues.beat.on("error", () => undefined);
    try {
      const text = await createMetrics({ queues }).registry.metrics();
      assert.equal(metricValue(text, "switchyard_queue_depth_up"), 0);
      assert.equal(metricValue(text, "switchyard_queue_jobs"), undefined);
      assert.ok(metricValue(text, "process_cpu_user_seconds_total") !== undefined);
    } finally {
      hung.disconnect();
    }
  });

  it("counts the runs the reconciler repairs", async () => {
    await seedRuns(deps.db, [{ ageSeconds: 120 }, { ageSeconds: 120 }]);
    const metrics = createMetrics();
    const repaired = await createReconciler({ ...deps, metrics }, { afterSeconds: 0 }).reconcile();
    assert.equal(repaired.length, 2);
    assert.equal(metricValue(await metrics.registry.metrics(), "switchyard_reconciler_repairs_total"), 2);
  });
});

describe("the metrics listener", () => {
  it("serves GET /metrics, with the token when one is set", async () => {
    const metrics = createMetrics();
    const logger = createLogger("test", parseConfig({ LOG_LEVEL: "error" }));
    const server = await startMetricsServer({
      registry: metrics.registry,
      host: "127.0.0.1",
      port: 0,
      token: "t0k",
      logger,
    });
    try {
      const url = `http://127.0.0.1:${server.port}/metrics`;
      assert.equal((await fetch(url)).status, 401);
      const ok = await fetch(url, { headers: { authorization: "Bearer t0k" } });
      assert.equal(ok.status, 200);
      assert.match(ok.headers.get("content-type") ?? "", /text\/plain/);
      assert.ok((await ok.text()).includes("switchyard_runs_created_total"));
    } finally {
      await server.close();
    }
  });

  it("allows every scrape without a token and only the exact Bearer token with one", () => {
    assert.equal(isMetricsScrapeAllowed(undefined, undefined), true);
    assert.equal(isMetricsScrapeAllowed(undefined, "s"), false);
    assert.equal(isMetricsScrapeAllowed("Bearer s", "s"), true);
    assert.equal(isMetricsScrapeAllowed("bearer s", "s"), true);
    assert.equal(isMetricsScrapeAllowed("Bearer s2", "s"), false);
    assert.equal(isMetricsScrapeAllowed("Basic s", "s"), false);
  });
});
