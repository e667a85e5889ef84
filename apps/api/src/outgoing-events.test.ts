import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Webhook } from "standardwebhooks";
import {
  startTestServer,
  type ReceivedRequest,
  type TestServer,
} from "@switchyard/core/engine/testing/start-test-server";
import { metricValue, scrapeMetrics } from "@switchyard/core/testing/scrape-metrics";
import { eventually, startWorker, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { startTestApi, type TestApi } from "./testing/start-api";

const GRAPH = { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] };
const FAILING = { nodes: [{ id: "boom", type: "fail", params: { message: "boom" } }], edges: [] };

/** Verified with a real Standard Webhooks client library, as a receiver would: throws on a bad signature. */
function verified(secret: string, req: ReceivedRequest): { type: string; timestamp: string; data: any } {
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
  return new Webhook(secret).verify(req.body, headers) as { type: string; timestamp: string; data: any };
}

describe("outgoing run events", () => {
  let api: TestApi;
  let worker: ServiceProcess;
  let receiver: TestServer;

  before(async () => {
    // Retry delays at a thousandth of production's (5 ms, 15 ms, 60 ms, ...): the schedule itself is unit-tested.
    api = await startTestApi({ SUBSCRIPTION_RETRY_SCALE: "0.001" });
    receiver = await startTestServer();
    for (const [handle, graph] of [
      ["events", GRAPH],
      ["flaky", GRAPH],
      ["failing", FAILING],
    ] as const) {
      await api.request("POST", "/api/workflows", { body: { name: handle, handle } });
      const v = await api.request("POST", `/api/workflows/${handle}/versions`, { body: { graph } });
      assert.equal(v.status, 201, v.text);
    }
    worker = await startWorker({ ...api.deps.env, SUBSCRIPTION_RETRY_SCALE: "0.001" }, 60_000);
  });
  after(async () => {
    await worker.stop();
    await receiver.close();
    await api.close();
  });

  const subscribe = async (body: Record<string, unknown>) => {
    const res = await api.request("POST", "/api/subscriptions", { body });
    assert.equal(res.status, 201, res.text);
    return res.body as { id: string; secret: string };
  };
  const fire = async (handle: string) => {
    const res = await api.request("POST", `/api/workflows/${handle}/triggers/webhook`, { body: { n: 1 } });
    assert.equal(res.status, 202, res.text);
    return res.body.id as string;
  };
  const received = (path: string, pred: (r: ReceivedRequest) => boolean = () => true) =>
    eventually(async () => receiver.requests.find((r) => r.path === path && pred(r)), 20_000, `a delivery to ${path}`);

  it("delivers run.started and run.succeeded, verified by a Standard Webhooks library, data as the API's run", async () => {
    receiver.route("/ok", () => ({ status: 204 }));
    const sub = await subscribe({
      url: `${receiver.url}/ok`,
      events: ["run.succeeded", "run.started"],
      workflow: "events",
    });
    assert.match(sub.secret, /^whsec_[A-Za-z0-9+/]+=*$/);
    const runId = await fire("events");
    const done = await received("/ok", (r) => r.body.includes('"run.succeeded"'));
    const event = verified(sub.secret, done);
    assert.equal(event.type, "run.succeeded");
    assert.equal(event.data.id, runId);
    assert.equal(event.data.status, "succeeded");
    const run = await api.request("GET", `/api/runs/${runId}`);
    const { audit_log: _audit, children: _children, ...expected } = run.body;
    assert.deepEqual(event.data, expected);
    assert.equal(event.timestamp, run.body.updated_at);
    assert.equal("audit_log" in event.data, false);
    const started = verified(sub.secret, await received("/ok", (r) => r.body.includes('"run.started"')));
    assert.equal(started.data.status, "running");
    // Another secret does not verify it.
    assert.throws(() => verified(`whsec_${Buffer.alloc(32, 7).toString("base64")}`, done));

    const page = await api.request("GET", `/api/subscriptions/${sub.id}/deliveries`);
    assert.equal(page.status, 200);
    assert.equal(page.body.length, 2);
    for (const d of page.body) {
      assert.equal(d.status, "delivered");
      assert.equal(d.attempts, 1);
      assert.equal(d.attempt_log[0].response_code, 204);
      assert.equal(d.attempt_log[0].status, "succeeded");
    }
    assert.equal(done.headers["webhook-id"], page.body.find((d: any) => d.event_type === "run.succeeded").id);
  });

  it("retries a receiver answering 500 three times and delivers on the 4th attempt, once", async () => {
    receiver.route("/flaky", (_req, n) => ({ status: n <= 3 ? 500 : 200, body: "x" }));
    const sub = await subscribe({ url: `${receiver.url}/flaky`, events: ["run.succeeded"], workflow: "flaky" });
    await fire("flaky");
    const page = await eventually(async () => {
      const res = await api.request("GET", `/api/subscriptions/${sub.id}/deliveries`);
      return res.body[0]?.status === "delivered" ? res.body : undefined;
    });
    assert.equal(page.length, 1);
    const [delivery] = page;
    assert.equal(delivery.attempts, 4);
    assert.deepEqual(
      delivery.attempt_log.map((a: any) => [a.attempt, a.status, a.response_code]),
      [
        [1, "failed", 500],
        [2, "failed", 500],
        [3, "failed", 500],
        [4, "succeeded", 200],
      ],
    );
    assert.equal(delivery.attempt_log[0].error, "HTTP 500");
    const sent = receiver.requests.filter((r) => r.path === "/flaky");
    assert.equal(sent.length, 4);
    // The same webhook-id on every attempt, so a receiver can deduplicate.
    assert.equal(new Set(sent.map((r) => r.headers["webhook-id"])).size, 1);
    for (const r of sent) verified(sub.secret, r);

    // The worker's /metrics counts the outcome and the failed attempts (earlier tests' deliveries included).
    const metricsPort = (await worker.waitForLog((l) => l.message === "metrics listening")).port;
    const metrics = await scrapeMetrics(`http://127.0.0.1:${String(metricsPort)}`);
    assert.ok((metricValue(metrics, "switchyard_event_deliveries_total", { outcome: "delivered" }) ?? 0) >= 3);
    assert.ok((metricValue(metrics, "switchyard_event_delivery_failures_total") ?? 0) >= 3);
    assert.notEqual(metricValue(metrics, "switchyard_event_outbox_lag_seconds"), undefined);
  });

  it("delivers run.failed only to subscriptions asking for it, and a retry sends a delivery again", async () => {
    receiver.route("/failed", () => ({ status: 200 }));
    const failedSub = await subscribe({ url: `${receiver.url}/failed`, events: ["run.failed"] });
    const runId = await fire("failing");
    const event = verified(failedSub.secret, await received("/failed", (r) => r.body.includes(runId)));
    assert.equal(event.type, "run.failed");
    assert.equal(event.data.status, "failed");
    assert.match(event.data.error, /boom/);
    const page = await api.request("GET", `/api/subscriptions/${failedSub.id}/deliveries`);
    const delivery = page.body.find((d: any) => d.run_id === runId);
    const retry = await api.request("POST", `/api/subscriptions/${failedSub.id}/deliveries/${delivery.id}/retry`);
    assert.equal(retry.status, 202, retry.text);
    await eventually(async () =>
      receiver.requests.filter((r) => r.path === "/failed" && r.headers["webhook-id"] === delivery.id).length === 2
        ? true
        : undefined,
    );
    const again = await api.request(
      "POST",
      `/api/subscriptions/${failedSub.id}/deliveries/${crypto.randomUUID()}/retry`,
    );
    assert.equal(again.status, 404);
  });

  it("delivers cron.missed from the missed occurrence's insert", async () => {
    receiver.route("/cron", () => ({ status: 200 }));
    const sub = await subscribe({ url: `${receiver.url}/cron`, events: ["cron.missed"], workflow: "events" });
    const workflow = await api.request("GET", "/api/workflows/events");
    await api.deps.db.pool.query(
      `INSERT INTO cron_missed_occurrences (workflow_id, scheduled_for, reason) VALUES ($1, '2026-12-03T09:00:00Z', 'not_dispatched')
       ON CONFLICT DO NOTHING`,
      [workflow.body.id],
    );
    const event = verified(sub.secret, await received("/cron"));
    assert.equal(event.type, "cron.missed");
    assert.deepEqual(event.data, {
      workflow_id: workflow.body.id,
      scheduled_for: "2026-12-03T09:00:00.000Z",
      reason: "not_dispatched",
    });
  });

  it("disables a subscription failing for 24 h, keeps its deliveries, and delivers them once re-enabled", async () => {
    let up = false;
    receiver.route("/down", () => ({ status: up ? 200 : 503 }));
    const sub = await subscribe({ url: `${receiver.url}/down`, events: ["run.succeeded"], workflow: "events" });
    // Failing since more than the (scaled) 24 h already: its next failure disables it.
    await api.deps.db.pool.query(
      "UPDATE event_subscriptions SET failing_since = clock_timestamp() - interval '25 hours' WHERE id = $1",
      [sub.id],
    );
    await fire("events");
    const disabled = await eventually(async () => {
      const res = await api.request("GET", `/api/subscriptions/${sub.id}`);
      return res.body.enabled === false ? res.body : undefined;
    });
    assert.match(disabled.disabled_reason, /every attempt failed since/);
    const [pending] = (await api.request("GET", `/api/subscriptions/${sub.id}/deliveries`)).body;
    assert.equal(pending.status, "pending");
    assert.equal(pending.next_attempt_at, null);
    const retry = await api.request("POST", `/api/subscriptions/${sub.id}/deliveries/${pending.id}/retry`);
    assert.equal(retry.status, 409);

    up = true;
    const put = await api.request("PUT", `/api/subscriptions/${sub.id}`, {
      body: { url: `${receiver.url}/down`, events: ["run.succeeded"], workflow: "events", enabled: true },
    });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.enabled, true);
    assert.equal(put.body.disabled_reason, null);
    await eventually(async () => {
      const res = await api.request("GET", `/api/subscriptions/${sub.id}/deliveries`);
      return res.body[0]?.status === "delivered" ? true : undefined;
    });
  });

  it("writes one delivery per run of a batch of transitions, and none twice", async () => {
    receiver.route("/batch", () => ({ status: 200 }));
    const sub = await subscribe({ url: `${receiver.url}/batch`, events: ["run.succeeded"], workflow: "flaky" });
    const runIds = await Promise.all(Array.from({ length: 50 }, () => fire("flaky")));
    const bodies = await eventually(async () => {
      const got = receiver.requests.filter((r) => r.path === "/batch");
      return got.length >= runIds.length ? got : undefined;
    });
    const received = bodies.map((r) => verified(sub.secret, r).data.id as string);
    assert.deepEqual([...received].sort(), [...runIds].sort());
    const { rows } = await api.deps.db.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM event_deliveries WHERE subscription_id = $1",
      [sub.id],
    );
    assert.equal(rows[0]!.n, runIds.length);
  });

  it("delivers run.cancelled for a cancel made by the API process", async () => {
    receiver.route("/cancelled", () => ({ status: 200 }));
    const sub = await subscribe({ url: `${receiver.url}/cancelled`, events: ["run.cancelled"], workflow: "events" });
    const versions = await api.request("GET", "/api/workflows/events/versions");
    // A caller-driven run: no worker touches it, the API's cancel is its only transition.
    const created = await api.request("POST", "/api/workflows/events/runs", {
      body: { workflow_version_id: versions.body[0].id, triggered_by: "api", input_payload: {} },
    });
    assert.equal(created.status, 201, created.text);
    const cancel = await api.request("POST", `/api/runs/${created.body.id}/cancel`, { body: { actor: "ops" } });
    assert.equal(cancel.status, 200, cancel.text);
    const event = verified(sub.secret, await received("/cancelled"));
    assert.equal(event.type, "run.cancelled");
    assert.equal(event.data.id, created.body.id);
    assert.equal(event.data.status, "cancelled");
  });
});
