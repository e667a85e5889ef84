import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "@switchyard/core/engine/testing/start-test-server";
import { enqueueRuns } from "@switchyard/core/jobs/queues";
import { eventually, spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { createTestDeps, type TestDeps } from "@switchyard/core/testing/test-deps";
import { createTestRun, waitForOutcome } from "@switchyard/core/testing/create-test-run";

const LEASES = { RUN_LEASE_SECONDS: "2", RUN_LEASE_HEARTBEAT_SECONDS: "1", LOG_LEVEL: "info" };

describe("a run that kills its worker every time", () => {
  let deps: TestDeps;
  let server: TestServer;
  const workers = new Map<string, ServiceProcess>();
  let spawned = 0;
  let stopping = false;
  /** Keeps two workers up, as a supervisor would: each one that dies is replaced by a new one. */
  const spawnWorker = () => {
    const id = `poison-${++spawned}`;
    const worker = spawnService("worker", { ...deps.env, ...LEASES, WORKER_ID: id });
    workers.set(id, worker);
    void worker.exited.then(() => {
      if (!stopping && spawned < 10) spawnWorker();
    });
    return worker;
  };

  before(async () => {
    deps = await createTestDeps();
    server = await startTestServer();
  });
  after(async () => {
    stopping = true;
    await Promise.all([...workers.values()].map((w) => w.stop("SIGKILL")));
    await server.close();
    await deps.close();
  });

  it("is failed after MAX_CRASH_RECOVERIES takeovers while other runs succeed", async () => {
    // The poison node's call kills whichever worker holds the run's lease, as a crash in the process would.
    server.route("/poison", async (req) => {
      const runId = req.query.run ?? "";
      const row = await deps.db.run.findUnique({ where: { id: runId }, select: { leaseOwner: true } });
      workers.get(row?.leaseOwner ?? "")?.proc.kill("SIGKILL");
      return new Promise(() => undefined);
    });
    server.route("/ok", () => ({ body: "fine" }));
    const poisonGraph = {
      nodes: [{ id: "boom", type: "http.request", params: { url: `${server.url}/poison?run={{ run.id }}` } }],
      edges: [],
    };
    const okGraph = { nodes: [{ id: "call", type: "http.request", params: { url: `${server.url}/ok` } }], edges: [] };
    const starting = [spawnWorker(), spawnWorker()];
    await Promise.all(starting.map((w) => w.waitForLog((l) => l.message === "worker started")));

    const { runId: poison } = await createTestRun(deps.db, poisonGraph);
    const others: string[] = [];
    for (let i = 0; i < 5; i++) others.push((await createTestRun(deps.db, okGraph)).runId);
    await enqueueRuns(deps.queues, [poison]);
    // The others come once the poison runs, so they do not all start beside it on the worker it kills.
    await eventually(async () => (server.requests.some((r) => r.path === "/poison") ? true : undefined));
    await enqueueRuns(deps.queues, others);

    const { run, audit } = await waitForOutcome(deps.db, poison, 90_000);
    assert.equal(run.status, "failed");
    assert.equal(run.error, "Run failed: its worker stopped 3 times while executing it (MAX_CRASH_RECOVERIES=2)");
    assert.equal(server.requests.filter((r) => r.path === "/poison").length, 3);
    assert.deepEqual(
      audit.map((a) => a.action),
      [
        "run_created",
        "run_started",
        "run_lease_expired",
        "run_started",
        "run_lease_expired",
        "run_started",
        "run_crash_limit_reached",
      ],
    );
    for (const id of others) assert.equal((await waitForOutcome(deps.db, id, 60_000)).run.status, "succeeded");
  });
});
