import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { enqueueRuns } from "@switchyard/core/jobs/queues";
import { startTestServer, type TestServer } from "@switchyard/core/engine/testing/start-test-server";
import { spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { createTestDeps, type TestDeps } from "@switchyard/core/testing/test-deps";
import { createTestRun, waitForOutcome } from "@switchyard/core/testing/create-test-run";

describe("run-level retries", () => {
  let deps: TestDeps;
  let worker: ServiceProcess;
  let server: TestServer;

  before(async () => {
    deps = await createTestDeps();
    server = await startTestServer();
    worker = spawnService("worker", { ...deps.env, LOG_LEVEL: "info", WORKER_ID: "retry-test" });
    await worker.waitForLog((l) => l.message === "worker started");
  });
  after(async () => {
    await worker.stop();
    await server.close();
    await deps.close();
  });

  /** A run of `seen` (a set node, checkpointed) then an http.request to `path` with no node-level retry. */
  const execute = async (path: string, maxAttempts: number) => {
    const graph = {
      nodes: [
        { id: "seen", type: "set", params: { value: 1 } },
        { id: "call", type: "http.request", params: { url: `${server.url}${path}` }, retry: { max_attempts: 1 } },
      ],
      edges: [{ from: "seen", to: "call" }],
    };
    const { runId, workflowId } = await createTestRun(deps.db, graph);
    const policy = {
      max_attempts: maxAttempts,
      initial_delay_seconds: 0.2,
      backoff_factor: 2,
      max_delay_seconds: 5,
      jitter_factor: 0,
    };
    await deps.db.workflow.update({ where: { id: workflowId }, data: { retryPolicy: policy } });
    await enqueueRuns(deps.queues, [runId]);
    return { runId, ...(await waitForOutcome(deps.db, runId)) };
  };

  it("returns a failed run to pending and succeeds at attempt 3, keeping each attempt's error", async () => {
    server.route("/twice", (_req, n) => (n < 3 ? { status: 503, body: "busy" } : { body: { ok: true } }));
    const { run, steps, audit } = await execute("/twice", 3);
    assert.equal(run.status, "succeeded");
    assert.equal(run.attempt, 3);
    assert.equal(server.requests.filter((r) => r.path === "/twice").length, 3);
    const scheduled = audit.filter((a) => a.action === "run_retry_scheduled");
    assert.equal(scheduled.length, 2);
    for (const entry of scheduled) assert.match(String((entry.metadata as { error: string }).error), /^call: /);
    assert.deepEqual(
      scheduled.map((a) => (a.metadata as { delay_seconds: number }).delay_seconds),
      [0.2, 0.4],
    );
    // The set node succeeded in attempt 1 and is reused from its checkpoint afterwards.
    assert.equal(steps.filter((s) => s.nodeId === "seen" && s.status === "succeeded").length, 1);
  });

  it("ends the run failed once its attempts are exhausted", async () => {
    server.route("/never", () => ({ status: 503, body: "busy" }));
    const { run, audit } = await execute("/never", 2);
    assert.equal(run.status, "failed");
    assert.equal(run.attempt, 2);
    assert.equal(server.requests.filter((r) => r.path === "/never").length, 2);
    assert.equal(audit.filter((a) => a.action === "run_retry_scheduled").length, 1);
    assert.equal(audit.filter((a) => a.action === "run_failed").length, 1);
  });
});
