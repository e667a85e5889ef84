import assert from "node:assert/strict";
import { test } from "node:test";
import { createGate, startTestServer } from "@switchyard/core/engine/testing/start-test-server";
import { enqueueRuns } from "@switchyard/core/jobs/queues";
import { eventually, spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { createTestDeps } from "@switchyard/core/testing/test-deps";
import { executedTwice, nodesExecutedTwice, seedRuns, waitAllTerminal } from "./lib/fault-runs";
import { reportFigures } from "./lib/report-figures";

const RUNS = 200;
const CONCURRENCY = 50;

test("kill -9 of one of two workers during 200 in-flight runs: all finish once, taken over within the lease", async (t) => {
  const deps = await createTestDeps();
  const server = await startTestServer();
  const workers: ServiceProcess[] = [];
  t.after(async () => {
    await Promise.all(workers.map((w) => w.stop("SIGKILL")));
    await server.close();
    await deps.close();
  });
  const release = createGate();
  server.route("/effect", () => ({ body: "charged" }));
  server.route("/hold", async () => {
    await release.promise;
    return { body: "done" };
  });
  const graph = {
    nodes: [
      { id: "effect", type: "http.request", params: { url: `${server.url}/effect?run={{ run.id }}`, method: "POST" } },
      { id: "hold", type: "http.request", params: { url: `${server.url}/hold?run={{ run.id }}` } },
    ],
    edges: [{ from: "effect", to: "hold" }],
  };
  // Default leases (10 s, heartbeat 3 s): the takeover time printed is the one a deployment gets.
  for (const id of ["crash-a", "crash-b"]) {
    workers.push(
      spawnService("worker", {
        ...deps.env,
        LOG_LEVEL: "info",
        WORKER_ID: id,
        WORKER_CONCURRENCY: String(CONCURRENCY),
      }),
    );
  }
  await Promise.all(workers.map((w) => w.waitForLog((l) => l.message === "worker started", 60_000)));

  const runIds = await seedRuns(deps.db, graph, RUNS);
  await enqueueRuns(deps.queues, runIds);
  // 200 runs in flight: 100 executing (side effect recorded, second node held), 100 queued behind them. Two
  // workers of 50 keep within the shared Postgres's 100 connections (each worker's pool is half its concurrency).
  const executing = 2 * CONCURRENCY;
  await eventually(
    async () => (server.requests.filter((r) => r.path === "/hold").length >= executing ? true : undefined),
    60_000,
  );
  const victim = workers[0]!;
  const held = await deps.db.run.count({ where: { leaseOwner: "crash-a", status: "running" } });
  victim.proc.kill("SIGKILL");
  await victim.exited;
  const killedAt = Date.now();
  release.open();

  const toTerminal = await waitAllTerminal(deps.db, runIds, 90_000);
  const takeovers = await deps.db.runAuditEntry.findMany({
    where: { runId: { in: runIds }, action: "run_lease_expired" },
  });
  const lastTakeover = Math.max(...takeovers.map((a) => a.at.getTime()));
  const runs = await deps.db.run.findMany({ where: { id: { in: runIds } } });
  const twice = executedTwice(server, "/effect") + (await nodesExecutedTwice(deps.db, runIds));
  reportFigures("worker-crash", {
    accepted: RUNS,
    terminal: runs.filter((r) => r.status === "succeeded" || r.status === "failed" || r.status === "cancelled").length,
    succeeded: runs.filter((r) => r.status === "succeeded").length,
    held_by_killed_worker: held,
    taken_over: takeovers.length,
    executed_twice: twice,
    takeover_ms: takeovers.length > 0 ? lastTakeover - killedAt : null,
    recovery_ms: toTerminal,
  });
  assert.equal(held, CONCURRENCY, "the killed worker held a full slate of runs");
  assert.equal(takeovers.length, held);
  assert.ok(runs.every((r) => r.status === "succeeded"));
  assert.equal(twice, 0);
  assert.deepEqual(
    [...new Set(runs.filter((r) => r.crashRecoveries === 1).map((r) => r.attempt))],
    [2],
    "each taken-over run finished at its second attempt",
  );
});
