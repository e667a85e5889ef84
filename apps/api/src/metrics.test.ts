import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createTestDeps, type TestDeps } from "@switchyard/core/testing/test-deps";
import { eventually, spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { metricValue, scrapeMetrics } from "@switchyard/core/testing/scrape-metrics";
import { startTestApi, type TestApi } from "./testing/start-api";

const GRAPH = { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] };
const SECRET = "whsec_metrics";
const TOKEN = "scrape-token-0123456789";
const hmac = (body: string) => `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;

/** A real API process and a real worker process, scraped over HTTP after real deliveries. */
describe("Prometheus metrics of the api and worker processes", () => {
  let deps: TestDeps;
  let api: ServiceProcess;
  let worker: ServiceProcess;
  let apiUrl: string;
  let workerUrl: string;

  before(async () => {
    deps = await createTestDeps();
    const env = { ...deps.env, LOG_LEVEL: "info", METRICS_TOKEN: TOKEN };
    api = spawnService("api", { ...env, PORT: "0" });
    worker = spawnService("worker", env);
    const [listening, metrics] = await Promise.all([
      api.waitForLog((l) => l.message === "api listening"),
      worker.waitForLog((l) => l.message === "metrics listening"),
    ]);
    await worker.waitForLog((l) => l.message === "worker started");
    apiUrl = `http://127.0.0.1:${String(listening.port)}`;
    workerUrl = `http://127.0.0.1:${String(metrics.port)}`;
  });
  after(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await deps?.close();
  });

  async function createWebhookWorkflow(handle: string, config: object) {
    const workflow = await deps.db.workflow.create({ data: { name: handle, handle } });
    await deps.db.workflowVersion.create({ data: { workflowId: workflow.id, version: 1, graph: GRAPH } });
    const res = await fetch(`${apiUrl}/api/workflows/${handle}/triggers/webhook/config`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(config),
    });
    assert.equal(res.status, 200, await res.text());
  }
  const deliver = (handle: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${apiUrl}/api/workflows/${handle}/triggers/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    });

  it("answers /metrics only with the METRICS_TOKEN when one is set, on both processes", async () => {
    for (const url of [apiUrl, workerUrl]) {
      assert.equal((await fetch(`${url}/metrics`)).status, 401);
      const wrong = await fetch(`${url}/metrics`, { headers: { authorization: "Bearer nope" } });
      assert.equal(wrong.status, 401);
      const text = await scrapeMetrics(url, TOKEN);
      // Default process metrics, unprefixed.
      assert.ok(metricValue(text, "process_cpu_user_seconds_total") !== undefined);
    }
    assert.equal((await fetch(`${workerUrl}/other`)).status, 404);
  });

  it("counts a webhook run from its creation in the api to its outcome in the worker", async () => {
    await createWebhookWorkflow("hooked", { hmac_header: "X-Hub-Signature-256", hmac_secret: SECRET });
    const body = JSON.stringify({ event: "push" });
    const res = await deliver("hooked", body, { "x-hub-signature-256": hmac(body) });
    assert.equal(res.status, 202);
    const runId = ((await res.json()) as { id: string }).id;
    await eventually(
      async () =>
        (await deps.db.run.findUniqueOrThrow({ where: { id: runId } })).status === "succeeded" ? true : undefined,
      30_000,
      "the webhook run to succeed",
    );

    const apiText = await scrapeMetrics(apiUrl, TOKEN);
    assert.equal(metricValue(apiText, "switchyard_runs_created_total", { trigger: "webhook" }), 1);
    assert.equal(metricValue(apiText, "switchyard_queue_depth_up"), 1);
    assert.ok(metricValue(apiText, "switchyard_queue_jobs", { queue: "runs", state: "waiting" }) !== undefined);

    // The outcome is counted just after the run's final update commits: the scrape may come first.
    const workerText = await eventually(async () => {
      const text = await scrapeMetrics(workerUrl, TOKEN);
      return metricValue(text, "switchyard_runs_finished_total", { status: "succeeded" }) === 1 ? text : undefined;
    });
    assert.equal(metricValue(workerText, "switchyard_run_duration_seconds_count", { status: "succeeded" }), 1);
    assert.equal(metricValue(workerText, "switchyard_run_start_latency_seconds_count"), 1);
    assert.equal(metricValue(workerText, "switchyard_run_start_latency_seconds_bucket", { le: "+Inf" }), 1);
    assert.equal(metricValue(workerText, "switchyard_worker_active_runs"), 0);
  });

  it("counts rejected deliveries by status and reason", async () => {
    await createWebhookWorkflow("guarded", {
      hmac_header: "X-Hub-Signature-256",
      hmac_secret: SECRET,
      max_body_bytes: 64,
      rate_limit: { limit: 1, interval_seconds: 3600 },
    });
    const body = JSON.stringify({ n: 1 });
    assert.equal((await deliver("guarded", body, { "x-hub-signature-256": hmac("forged") })).status, 401);
    assert.equal((await deliver("guarded", body)).status, 401);
    assert.equal((await deliver("guarded", "x".repeat(200), { "x-hub-signature-256": hmac("x") })).status, 413);
    assert.equal((await deliver("guarded", body, { "x-hub-signature-256": hmac(body) })).status, 202);
    // The same signed delivery again is a replay; a new one is over the rate limit.
    assert.equal((await deliver("guarded", body, { "x-hub-signature-256": hmac(body) })).status, 401);
    const next = JSON.stringify({ n: 2 });
    assert.equal((await deliver("guarded", next, { "x-hub-signature-256": hmac(next) })).status, 429);
    assert.equal((await deliver("missing-workflow", body)).status, 404);

    const text = await scrapeMetrics(apiUrl, TOKEN);
    const rejected = (status: string, reason: string) =>
      metricValue(text, "switchyard_webhook_rejections_total", { status, reason });
    assert.equal(rejected("401", "signature_mismatch"), 1);
    assert.equal(rejected("401", "missing_signature"), 1);
    assert.equal(rejected("413", "too_large"), 1);
    assert.equal(rejected("401", "replay"), 1);
    assert.equal(rejected("429", "rate_limited"), 1);
    assert.equal(rejected("404", "not_found"), 1);
  });
});

describe("cron occurrence metrics", () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
  });
  after(async () => {
    await api.close();
  });

  const workflow = async (handle: string, cron: object) => {
    const created = await api.deps.db.workflow.create({ data: { name: handle, handle } });
    await api.deps.db.workflowVersion.create({ data: { workflowId: created.id, version: 1, graph: GRAPH } });
    const res = await api.request("PUT", `/api/workflows/${handle}/triggers/cron/config`, { body: cron });
    assert.equal(res.status, 200, res.text);
  };
  const dispatch = async (now: string) => {
    const res = await api.request("POST", "/api/triggers/cron/dispatch", { body: { now } });
    assert.equal(res.status, 200, res.text);
  };

  it("counts fired, overlap-skipped and caught-up occurrences, and serves /metrics publicly without a token", async () => {
    await workflow("serial", { start_at: "2026-01-01T09:00:00Z" });
    await workflow("latest", { allow_overlapping: true, catchup: "latest", start_at: "2026-01-01T09:00:00Z" });
    await dispatch("2026-01-01T09:00:30Z");
    // serial's 09:00 run is still pending: its 10:00 occurrence is held back. latest skips 10:00 and fires 11:00.
    await dispatch("2026-01-01T11:30:00Z");

    const text = await scrapeMetrics(api.url);
    const outcome = (o: string) => metricValue(text, "switchyard_cron_occurrences_total", { outcome: o });
    assert.equal(outcome("fired"), 3);
    assert.equal(outcome("skipped_overlap"), 1);
    assert.equal(outcome("caught_up"), 1);
    assert.equal(metricValue(text, "switchyard_runs_created_total", { trigger: "cron" }), 3);
  });
});

describe("METRICS_ENABLED=false", () => {
  it("serves no /metrics route", async () => {
    const api = await startTestApi({ METRICS_ENABLED: "false" });
    try {
      const res = await api.request("GET", "/metrics");
      assert.equal(res.status, 404);
      assert.deepEqual(res.body, { detail: "Not Found" });
    } finally {
      await api.close();
    }
  });
});
