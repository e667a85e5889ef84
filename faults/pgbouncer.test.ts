import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createGate, startTestServer, type TestServer } from "@switchyard/core/engine/testing/start-test-server";
import { startPrivatePgBouncer, type PrivatePgBouncer } from "@switchyard/core/testing/private-postgres";
import { eventually } from "@switchyard/core/testing/service-process";
import { createTestDatabase } from "@switchyard/core/testing/test-database";
import { createFaultDeps, createWorkflow, runFigures, type FaultDeps } from "./lib/fault-deps";
import { spawnServices, type Services } from "./lib/fault-processes";
import { reportFigures } from "./lib/report-figures";

const LOAD = 200;
const AFTER = 50;
const MINUTE = 60_000;

/**
 * The api, a worker, a beat and this test's own connections all reach Postgres only through PgBouncer 1.18 in
 * transaction mode (DATABASE_POOLER=transaction): no named prepared statement or session setting may survive
 * a transaction, or these fail with "prepared statement ... does not exist" / "unsupported startup parameter".
 */
describe("Postgres behind PgBouncer in transaction mode", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let bouncer: PrivatePgBouncer;
  let deps: FaultDeps;
  let services: Services;
  let server: TestServer;

  before(async () => {
    database = await createTestDatabase();
    bouncer = await startPrivatePgBouncer({ port: Number(new URL(database.url).port || 5432) });
    deps = createFaultDeps(
      { databaseUrl: bouncer.urlFor(database.url), redisUrl: process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379" },
      { DATABASE_POOLER: "transaction" },
    );
    server = await startTestServer();
    services = await spawnServices(
      {
        ...deps.env,
        CRON_DISPATCH_INTERVAL: "1",
        WORKER_CONCURRENCY: String(LOAD + AFTER),
        WEBHOOK_DEFAULT_RATE_LIMIT: "off",
      },
      { workers: 1, beats: 1 },
    );
    await services.workers[0]?.waitForLog((l) => l.message === "worker started", 60_000);
  });
  after(async () => {
    await services?.stop();
    await server?.close();
    await deps?.close();
    await bouncer?.stop();
    await database?.drop();
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${services.apiUrl}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const webhookWorkflow = async (graph: unknown) => {
    const { workflowId } = await createWorkflow(deps.db, graph);
    const saved = await api("PUT", `/api/workflows/${workflowId}/triggers/webhook/config`, {});
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    return workflowId;
  };
  const deliver = async (workflowId: string, count: number) => {
    const answers = await Promise.all(
      Array.from({ length: count }, (_, n) => api("POST", `/api/workflows/${workflowId}/triggers/webhook`, { n })),
    );
    for (const a of answers) assert.equal(a.status, 202, JSON.stringify(a.body));
    return answers.map((a) => String(a.body.id));
  };
  const allTerminal = async (ids: string[], timeoutMs = 60_000) =>
    eventually(
      async () => {
        const f = await runFigures(deps.db, ids);
        return f.terminal === ids.length ? f : undefined;
      },
      timeoutMs,
      `${ids.length} runs terminal`,
    );

  it("runs webhook deliveries through the worker to their outcome", async () => {
    const workflowId = await webhookWorkflow({
      nodes: [{ id: "double", type: "transform", params: { expression: "input.n * 2" } }],
      edges: [],
    });
    const ids = await deliver(workflowId, 20);
    const figures = await allTerminal(ids);
    assert.equal(figures.succeeded, ids.length);
    const run = await api("GET", `/api/runs/${ids[3]}`);
    assert.equal(run.status, 200);
    assert.equal(run.body.status, "succeeded");
  });

  it("dispatches cron occurrences through the beat", async () => {
    const { workflowId } = await createWorkflow(deps.db, {
      nodes: [{ id: "a", type: "set", params: { value: 1 } }],
      edges: [],
    });
    const startAt = new Date(Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE);
    const saved = await api("PUT", `/api/workflows/${workflowId}/triggers/cron/config`, {
      expression: "* * * * *",
      start_at: startAt.toISOString(),
      end_at: new Date(startAt.getTime() + 2 * MINUTE).toISOString(),
      catchup: "all",
      allow_overlapping: true,
    });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    const runs = await eventually(
      async () => {
        const rows = await deps.db.run.findMany({ where: { workflowId }, select: { id: true } });
        return rows.length >= 3 ? rows : undefined;
      },
      60_000,
      "three cron runs",
    );
    const figures = await allTerminal(runs.map((r) => r.id));
    assert.equal(figures.succeeded, 3);
  });

  it("cancels a running run", async () => {
    const gate = createGate();
    server.route("/cancel-hold", async () => {
      await gate.promise;
      return { body: "late" };
    });
    const workflowId = await webhookWorkflow({
      nodes: [{ id: "call", type: "http.request", params: { url: `${server.url}/cancel-hold` } }],
      edges: [],
    });
    const [id = ""] = await deliver(workflowId, 1);
    await eventually(async () => (server.inFlight() === 1 ? true : undefined), 30_000, "the run's call");
    const cancelled = await api("POST", `/api/runs/${id}/cancel`, {});
    assert.ok([200, 202].includes(cancelled.status), JSON.stringify(cancelled.body));
    await allTerminal([id]);
    gate.open();
    assert.equal((await deps.db.run.findUniqueOrThrow({ where: { id } })).status, "cancelled");
  });

  it("delivers outgoing run events through the worker's sender, signed, with a retry", async () => {
    const { Webhook } = await import("standardwebhooks");
    server.route("/events", (_req, n) => ({ status: n === 1 ? 503 : 204 }));
    const workflowId = await webhookWorkflow({ nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] });
    const created = await api("POST", "/api/subscriptions", {
      url: `${server.url}/events`,
      events: ["run.succeeded"],
      workflow: workflowId,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const [id = ""] = await deliver(workflowId, 1);
    // The first attempt answered 503, the retry (5 s later) 204.
    const sent = await eventually(
      async () => {
        const got = server.requests.filter((r) => r.path === "/events");
        return got.length >= 2 ? got : undefined;
      },
      60_000,
      "the event's retry",
    );
    const headers = Object.fromEntries(Object.entries(sent[1]!.headers).map(([k, v]) => [k, String(v)]));
    const event = new Webhook(String(created.body.secret)).verify(sent[1]!.body, headers) as { data: { id: string } };
    assert.equal(event.data.id, id);
    const deliveries = await eventually(async () => {
      const res = await fetch(`${services.apiUrl}/api/subscriptions/${String(created.body.id)}/deliveries`);
      const page = (await res.json()) as { status: string; attempts: number }[];
      return page[0]?.status === "delivered" ? page : undefined;
    });
    assert.equal(deliveries[0]!.attempts, 2);
    const deleted = await fetch(`${services.apiUrl}/api/subscriptions/${String(created.body.id)}`, {
      method: "DELETE",
    });
    assert.equal(deleted.status, 204);
  });

  it(`survives a PgBouncer restart during ${LOAD} in-flight runs: every run completes exactly once`, async () => {
    const gate = createGate();
    server.route("/load", async () => {
      await gate.promise;
      return { body: { ok: true } };
    });
    const workflowId = await webhookWorkflow({
      nodes: [
        { id: "call", type: "http.request", params: { url: `${server.url}/load?run={{ run.id }}` } },
        { id: "after", type: "set", params: { value: "{{ steps.call.body.ok }}" } },
      ],
      edges: [{ from: "call", to: "after" }],
    });
    const before = await deliver(workflowId, LOAD);
    await eventually(async () => (server.inFlight() === LOAD ? true : undefined), 60_000, "every run in its call");
    await bouncer.restart();
    const restartedAt = Date.now();
    gate.open();
    const later = await deliver(workflowId, AFTER);
    const ids = [...before, ...later];
    const figures = await allTerminal(ids, 120_000);
    const calls = server.requests.filter((r) => r.path === "/load");
    const perRun = new Map<string, number>();
    for (const r of calls) perRun.set(r.query.run ?? "", (perRun.get(r.query.run ?? "") ?? 0) + 1);
    const calledTwice = [...perRun.values()].filter((n) => n > 1).length;
    reportFigures("pgbouncer-restart", {
      accepted: ids.length,
      in_flight_at_restart: LOAD,
      terminal: figures.terminal,
      succeeded: figures.succeeded,
      executed_twice: figures.executedTwice + calledTwice,
      recovery_ms: Date.now() - restartedAt,
    });
    assert.equal(figures.succeeded, ids.length, JSON.stringify(figures.rows.filter((r) => r.status !== "succeeded")));
    assert.equal(figures.executedTwice, 0);
    assert.equal(calledTwice, 0);
    assert.equal(calls.length, ids.length);
    assert.ok(services.allAlive());
  });
});
