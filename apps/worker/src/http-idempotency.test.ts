import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "@switchyard/core/engine/testing/start-test-server";
import { enqueueRuns } from "@switchyard/core/jobs/queues";
import { spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { createTestDeps, type TestDeps } from "@switchyard/core/testing/test-deps";
import { createTestRun, waitForOutcome } from "@switchyard/core/testing/create-test-run";

describe("http.request's Idempotency-Key on a real worker", () => {
  let deps: TestDeps;
  let worker: ServiceProcess;
  let server: TestServer;

  before(async () => {
    deps = await createTestDeps();
    server = await startTestServer();
    worker = spawnService("worker", { ...deps.env, LOG_LEVEL: "info", WORKER_ID: "idempotency-test" });
    await worker.waitForLog((l) => l.message === "worker started");
  });
  after(async () => {
    await worker.stop();
    await server.close();
    await deps.close();
  });

  const keysAt = (path: string) =>
    server.requests.filter((r) => r.path === path).map((r) => r.headers["idempotency-key"]);

  it("is the same on every retry of the node: <run id>:<node id>, or the workflow's own template", async () => {
    server.route("/flaky", (_req, n) => (n % 3 !== 0 ? { status: 503, body: "busy" } : { body: { ok: true } }));
    const retry = { max_attempts: 3, initial_delay_seconds: 0.05, jitter_factor: 0 };
    const graph = {
      nodes: [
        { id: "charge", type: "http.request", params: { url: `${server.url}/flaky`, method: "POST" }, retry },
        {
          id: "refund",
          type: "http.request",
          params: { url: `${server.url}/flaky`, method: "POST", idempotency_key: "refund-{{ input.order }}" },
          retry,
        },
      ],
      edges: [{ from: "charge", to: "refund" }],
    };
    const { runId } = await createTestRun(deps.db, graph, { input: { order: 7 } });
    await enqueueRuns(deps.queues, [runId]);
    assert.equal((await waitForOutcome(deps.db, runId)).run.status, "succeeded");
    assert.deepEqual(keysAt("/flaky"), [...Array(3).fill(`${runId}:charge`), ...Array(3).fill("refund-7")]);
  });

  it("is the same on the run's next attempt after a run-level retry", async () => {
    server.route("/once", (_req, n) => (n === 1 ? { status: 503, body: "busy" } : { body: { ok: true } }));
    const graph = {
      nodes: [{ id: "call", type: "http.request", params: { url: `${server.url}/once`, method: "POST" } }],
      edges: [],
    };
    const { runId, workflowId } = await createTestRun(deps.db, graph);
    const policy = {
      max_attempts: 2,
      initial_delay_seconds: 0.1,
      backoff_factor: 2,
      max_delay_seconds: 1,
      jitter_factor: 0,
    };
    await deps.db.workflow.update({ where: { id: workflowId }, data: { retryPolicy: policy } });
    await enqueueRuns(deps.queues, [runId]);
    const { run } = await waitForOutcome(deps.db, runId);
    assert.equal(run.status, "succeeded");
    assert.equal(run.attempt, 2);
    assert.deepEqual(keysAt("/once"), [`${runId}:call`, `${runId}:call`]);
  });
});
