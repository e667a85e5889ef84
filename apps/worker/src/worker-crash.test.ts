import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createGate, startTestServer, type TestServer } from "@switchyard/core/engine/testing/start-test-server";
import { enqueueRuns } from "@switchyard/core/jobs/queues";
import { eventually, spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { createTestDeps, type TestDeps } from "@switchyard/core/testing/test-deps";
import { createTestRun, waitForOutcome } from "@switchyard/core/testing/create-test-run";

/** Short leases so a takeover comes within seconds; the defaults (10 s / 3 s) behave the same, only slower. */
const LEASES = { RUN_LEASE_SECONDS: "2", RUN_LEASE_HEARTBEAT_SECONDS: "1", LOG_LEVEL: "info" };

describe("a worker killed mid-run", () => {
  let deps: TestDeps;
  let server: TestServer;
  const workers: ServiceProcess[] = [];
  const released = createGate();
  const spawnWorker = (id: string) => {
    const worker = spawnService("worker", { ...deps.env, ...LEASES, WORKER_ID: id });
    workers.push(worker);
    return worker;
  };

  before(async () => {
    deps = await createTestDeps();
    server = await startTestServer();
  });
  after(async () => {
    released.open();
    await Promise.all(workers.map((w) => w.stop("SIGKILL")));
    await server.close();
    await deps.close();
  });

  it("is taken over by another worker, which resumes without executing succeeded nodes again", async () => {
    server.route("/side-effect", () => ({ body: { charged: true } }));
    // The first call never answers (its worker dies waiting); the next attempt's call answers at once.
    server.route("/slow", async (_req, n) => {
      if (n === 1) await released.promise;
      return { body: "done" };
    });
    const graph = {
      nodes: [
        { id: "charge", type: "http.request", params: { url: `${server.url}/side-effect`, method: "POST" } },
        { id: "slow", type: "http.request", params: { url: `${server.url}/slow` } },
      ],
      edges: [{ from: "charge", to: "slow" }],
    };
    const first = spawnWorker("crash-a");
    await first.waitForLog((l) => l.message === "worker started");
    const { runId } = await createTestRun(deps.db, graph);
    await enqueueRuns(deps.queues, [runId]);
    await eventually(async () => (server.requests.some((r) => r.path === "/slow") ? true : undefined));
    first.proc.kill("SIGKILL");
    await first.exited;

    const second = spawnWorker("crash-b");
    await second.waitForLog((l) => l.message === "worker started");
    const { run, steps, audit } = await waitForOutcome(deps.db, runId);
    assert.equal(run.status, "succeeded");
    assert.equal(run.attempt, 2);
    assert.equal(server.requests.filter((r) => r.path === "/side-effect").length, 1);
    // The side effect's step is attempt 1's; attempt 2 only executed the node that had not finished.
    assert.deepEqual(
      steps.filter((s) => s.status === "succeeded").map((s) => [s.nodeId, s.attempt]),
      [
        ["charge", 1],
        ["slow", 2],
      ],
    );
    const takeover = audit.find((a) => a.action === "run_lease_expired");
    assert.ok(takeover, `audit: ${audit.map((a) => a.action).join(", ")}`);
    const metadata = takeover.metadata as Record<string, unknown>;
    assert.equal(metadata.previous_worker, "crash-a");
    assert.equal(metadata.attempt, 1);
    assert.equal(typeof metadata.lease_expired_at, "string");
    assert.deepEqual(
      audit.map((a) => a.action),
      ["run_created", "run_started", "run_lease_expired", "run_started", "run_succeeded"],
    );
    assert.equal(run.crashRecoveries, 1);
  });
});
