import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createTestRun } from "@switchyard/core/testing/create-test-run";
import { recordHeartbeat, removeWorker } from "@switchyard/core/workers/record-heartbeat";
import { startTestApi, type TestApi } from "./testing/start-api";

describe("GET /api/system/workers", () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi({ AUTH_MODE: "required", API_TOKENS: "tok" });
  });
  after(async () => {
    await api.close();
  });
  const auth = { authorization: "Bearer tok" };

  it("lists the workers whose heartbeat is recent, with their active runs, in the dashboard's shape", async () => {
    const { db } = api.deps;
    const { runId } = await createTestRun(db, { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] });
    const startedAt = new Date("2026-12-01T10:00:00.000Z");
    await recordHeartbeat(
      db,
      { id: "w-live", host: "h1", pid: 41, concurrency: 8, startedAt, metricsPort: 9102 },
      [runId],
      10,
    );
    await recordHeartbeat(db, { id: "w-stale", host: "h2", pid: 42, concurrency: 4, startedAt }, [], 10);
    // Three heartbeat intervals (3 s each by default) without one: no longer live.
    await db.$executeRawUnsafe(
      `UPDATE workers SET last_heartbeat_at = now() - interval '10 seconds' WHERE id = 'w-stale'`,
    );

    const res = await api.request("GET", "/api/system/workers", { headers: auth });
    assert.equal(res.status, 200);
    assert.equal(res.body.workers.length, 1);
    const [worker] = res.body.workers;
    assert.deepEqual(Object.keys(worker).sort(), [
      "active_runs",
      "concurrency",
      "host",
      "id",
      "last_heartbeat_at",
      "metrics_port",
      "pid",
      "queues",
      "started_at",
    ]);
    assert.deepEqual(
      [
        worker.id,
        worker.host,
        worker.pid,
        worker.concurrency,
        worker.active_runs,
        worker.started_at,
        worker.metrics_port,
        worker.queues,
      ],
      ["w-live", "h1", 41, 8, [runId], startedAt.toISOString(), 9102, ["default"]],
    );
    assert.ok(Date.now() - Date.parse(worker.last_heartbeat_at) < 60_000);

    await removeWorker(db, "w-live");
    assert.deepEqual((await api.request("GET", "/api/system/workers", { headers: auth })).body, { workers: [] });
  });

  it("needs the API token", async () => {
    assert.equal((await api.request("GET", "/api/system/workers")).status, 401);
  });
});
