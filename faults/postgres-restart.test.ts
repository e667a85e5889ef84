import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { enqueueRuns } from "@switchyard/core/jobs/queues";
import { createRuns } from "@switchyard/core/runs/create-runs";
import { createGate, startTestServer, type TestServer } from "@switchyard/core/engine/testing/start-test-server";
import { startPrivatePostgres, type PrivatePostgres } from "@switchyard/core/testing/private-postgres";
import { eventually, spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { createFaultDeps, createWorkflow, listenApi, runFigures, type FaultDeps } from "./lib/fault-deps";
import { reportFigures } from "./lib/report-figures";

const RUNS = 50;
/** Runs whose jobs arrive while Postgres is down: their start is what has to wait. */
const LATE = 10;

describe("Postgres restarted during 50 in-flight runs", () => {
  let pg: PrivatePostgres;
  let deps: FaultDeps;
  let server: TestServer;
  let worker: ServiceProcess | undefined;
  let api: { url: string; close: () => Promise<void> };

  before(async () => {
    pg = await startPrivatePostgres();
    deps = createFaultDeps({ databaseUrl: pg.url, redisUrl: process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379" });
    server = await startTestServer();
    api = await listenApi(deps);
  });
  after(async () => {
    await worker?.stop();
    await api.close();
    await server.close();
    await deps.close();
    await pg.destroy();
  });

  it("finishes every run exactly once, none failed by the outage, while the API answers 503 fast", async () => {
    const gate = createGate();
    server.route("/hold", async () => {
      await gate.promise;
      return { body: { ok: true } };
    });
    const graph = {
      nodes: [
        { id: "call", type: "http.request", params: { url: `${server.url}/hold` } },
        { id: "after", type: "set", params: { value: "{{ steps.call.body.ok }}" } },
      ],
      edges: [{ from: "call", to: "after" }],
    };
    const { workflowId, versionId } = await createWorkflow(deps.db, graph);
    const created = await createRuns(
      deps.db,
      Array.from({ length: RUNS + LATE }, () => ({
        workflowId,
        workflowVersionId: versionId,
        triggeredBy: "test",
        inputPayload: {},
        execute: true,
        actor: "test",
      })),
    );
    const allIds = created.map((c) => c.run.id);
    const runIds = allIds.slice(0, RUNS);
    const lateIds = allIds.slice(RUNS);
    worker = spawnService("worker", {
      ...deps.env,
      LOG_LEVEL: "info",
      WORKER_CONCURRENCY: String(RUNS + LATE),
      DATABASE_POOL_SIZE: "10",
    });
    await worker.waitForLog((l) => l.message === "worker started", 60_000);
    await enqueueRuns(deps.queues, runIds);
    // Every run is running and inside its HTTP call.
    await eventually(async () => (server.inFlight() === RUNS ? true : undefined), 60_000, "all runs in flight");

    // A crash: immediate shutdown, sessions cut, recovery at the next start.
    await pg.kill();
    const outageStarted = Date.now();
    // The API: 503 in the API's shape for a route that needs Postgres, and not ready.
    const list = await fetch(`${api.url}/api/workflows`);
    assert.equal(list.status, 503);
    assert.deepEqual(await list.json(), { detail: "Service unavailable" });
    const dispatch = await fetch(`${api.url}/api/triggers/manual/dispatch`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ workflow_id: workflowId, runs: [{ input_payload: {} }] }),
    });
    assert.equal(dispatch.status, 503);
    assert.equal((await fetch(`${api.url}/readyz`)).status, 503);

    // The runs' calls finish while Postgres is down: their step writes must wait for it, not fail the runs. Jobs
    // arriving now cannot start their runs yet. Postgres stays down until both kinds have retried a few times.
    gate.open();
    await enqueueRuns(deps.queues, lateIds);
    for (const runId of [runIds[0], lateIds[0]]) {
      await worker.waitForLog(
        (l) => l.message === "database unavailable, retrying" && l.runId === runId && Number(l.attempt) >= 4,
        60_000,
      );
    }
    await pg.start();
    const back = Date.now();

    const figures = await eventually(
      async () => {
        const f = await runFigures(deps.db, allIds);
        return f.terminal === allIds.length ? f : undefined;
      },
      90_000,
      "every run terminal",
    ).catch(async (err: unknown) => {
      const f = await runFigures(deps.db, allIds);
      const stuck = f.rows.filter((r) => !["succeeded", "failed", "cancelled"].includes(r.status));
      const logs = worker!.logs.filter((l) => stuck.some((r) => r.id === l.runId)).slice(-30);
      throw new Error(
        `${String(err)}: ${JSON.stringify(stuck.slice(0, 5))} ${JSON.stringify(logs)} ${worker!.stderr.slice(-10).join("\n")}`,
      );
    });
    const recoveryMs = Date.now() - back;
    reportFigures("postgres-restart", {
      accepted: allIds.length,
      in_flight_at_crash: RUNS,
      terminal: figures.terminal,
      succeeded: figures.succeeded,
      executed_twice: figures.executedTwice,
      http_calls: server.requests.length,
      outage_ms: back - outageStarted,
      recovery_ms: recoveryMs,
    });
    assert.equal(
      figures.succeeded,
      allIds.length,
      JSON.stringify(figures.rows.filter((r) => r.status !== "succeeded")),
    );
    assert.equal(figures.executedTwice, 0);
    // Each run's side effect happened once.
    assert.equal(server.requests.length, allIds.length);
    // Nothing half-created by the dispatch that failed during the outage.
    assert.equal(await deps.db.run.count(), allIds.length);
    assert.equal((await fetch(`${api.url}/readyz`)).status, 200);
  });
});
