import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createGate, startTestServer, type TestServer } from "@switchyard/core/engine/testing/start-test-server";
import { enqueueRuns } from "@switchyard/core/jobs/queues";
import { eventually, spawnService } from "@switchyard/core/testing/service-process";
import { createTestDeps, type TestDeps } from "@switchyard/core/testing/test-deps";
import { createTestRun, waitForOutcome } from "@switchyard/core/testing/create-test-run";

describe("worker shutdown", () => {
  let deps: TestDeps;
  let server: TestServer;
  before(async () => {
    deps = await createTestDeps();
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
    await deps.close();
  });

  it("lets the active run finish on SIGTERM, then exits 0", async () => {
    const worker = spawnService("worker", { ...deps.env, LOG_LEVEL: "info" });
    await worker.waitForLog((l) => l.message === "worker started");
    const gate = createGate();
    server.route("/busy", async () => {
      await gate.promise;
      return { body: "finished" };
    });
    const graph = { nodes: [{ id: "call", type: "http.request", params: { url: `${server.url}/busy` } }], edges: [] };
    const { runId } = await createTestRun(deps.db, graph);
    await enqueueRuns(deps.queues, [runId]);
    await eventually(async () => (server.requests.length > 0 ? true : undefined));
    worker.proc.kill("SIGTERM");
    await worker.waitForLog((l) => l.message === "shutting down");
    gate.open();
    assert.equal(await worker.exited, 0);
    const { run } = await waitForOutcome(deps.db, runId);
    assert.equal(run.status, "succeeded");
    assert.ok(
      worker.logs.findIndex((l) => l.message === "run completed") <
        worker.logs.findIndex((l) => l.message === "stopped"),
    );
  });
});
