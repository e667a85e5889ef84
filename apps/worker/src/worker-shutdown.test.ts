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

describe("worker shutdown past its deadline", () => {
  let deps: TestDeps;
  let server: TestServer;
  const spawned: ReturnType<typeof spawnService>[] = [];
  before(async () => {
    deps = await createTestDeps();
    server = await startTestServer();
  });
  after(async () => {
    await Promise.all(spawned.map((w) => w.stop("SIGKILL")));
    await server.close();
    await deps.close();
  });

  it("finishes the short run, hands the long one back at the deadline, exits 0; another worker completes it", async () => {
    const env = { ...deps.env, LOG_LEVEL: "info", WORKER_SHUTDOWN_TIMEOUT: "5" };
    const first = spawnService("worker", { ...env, WORKER_ID: "draining" });
    spawned.push(first);
    await first.waitForLog((l) => l.message === "worker started");
    const short = createGate();
    const never = createGate();
    server.route("/short", async () => {
      await short.promise;
      return { body: "short" };
    });
    // The long run's first call outlasts the deadline; the next attempt's answers at once.
    server.route("/long", async (_req, n) => {
      if (n === 1) await never.promise;
      return { body: "long" };
    });
    const call = (path: string) => ({
      nodes: [{ id: "call", type: "http.request", params: { url: `${server.url}${path}` } }],
      edges: [],
    });
    const { runId: shortRun } = await createTestRun(deps.db, call("/short"));
    const { runId: longRun } = await createTestRun(deps.db, call("/long"));
    await enqueueRuns(deps.queues, [shortRun, longRun]);
    await eventually(async () => (server.requests.length === 2 ? true : undefined));

    first.proc.kill("SIGTERM");
    await first.waitForLog((l) => l.message === "shutting down");
    short.open();
    assert.equal(await first.exited, 0);
    never.open();
    assert.ok(first.logs.some((l) => l.message === "shutdown deadline passed, handing active runs back"));
    assert.equal((await waitForOutcome(deps.db, shortRun)).run.status, "succeeded");
    // Back to pending at once, not after a lease or stalled-job timeout: the worker that stopped did it.
    const handedBack = await deps.db.run.findUniqueOrThrow({ where: { id: longRun } });
    assert.equal(handedBack.status, "pending");
    assert.equal(handedBack.leaseOwner, null);
    const handOver = await deps.db.runAuditEntry.findFirst({ where: { runId: longRun, action: "run_handed_over" } });
    assert.equal(handOver?.actor, "worker");
    assert.match(String((handOver?.metadata as { reason?: string }).reason), /shutdown deadline of 5 s passed/);
    assert.equal(await deps.db.worker.count({ where: { id: "draining" } }), 0);

    const second = spawnService("worker", { ...env, WORKER_ID: "next" });
    spawned.push(second);
    const { run } = await waitForOutcome(deps.db, longRun);
    assert.equal(run.status, "succeeded");
    assert.equal(run.attempt, 2);
    assert.equal(run.crashRecoveries, 0);
  });
});
