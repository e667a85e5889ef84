import assert from "node:assert/strict";
import { test } from "node:test";
import { createGate, startTestServer } from "@switchyard/core/engine/testing/start-test-server";
import { enqueueRuns } from "@switchyard/core/jobs/queues";
import { eventually, spawnService } from "@switchyard/core/testing/service-process";
import { createTestDeps } from "@switchyard/core/testing/test-deps";
import { executedTwice, nodesExecutedTwice, seedRuns, waitAllTerminal } from "./lib/fault-runs";
import { reportFigures } from "./lib/report-figures";

const SHORT = 60;
const LONG = 10;
const DEADLINE_SECONDS = 3;

test("SIGTERM with long runs: short runs finish, long ones are handed back at the deadline and finish elsewhere", async (t) => {
  const deps = await createTestDeps();
  const server = await startTestServer();
  const env = {
    ...deps.env,
    LOG_LEVEL: "info",
    WORKER_CONCURRENCY: "20",
    WORKER_SHUTDOWN_TIMEOUT: String(DEADLINE_SECONDS),
  };
  const stopping = spawnService("worker", { ...env, WORKER_ID: "sigterm-a" });
  let staying = stopping;
  t.after(async () => {
    await Promise.all([stopping.stop("SIGKILL"), staying.stop("SIGKILL")]);
    await server.close();
    await deps.close();
  });
  const release = createGate();
  server.route("/effect", () => ({ body: "charged" }));
  server.route("/long", async () => {
    await release.promise;
    return { body: "done" };
  });
  const graph = (second: string) => ({
    nodes: [
      { id: "effect", type: "http.request", params: { url: `${server.url}/effect?run={{ run.id }}`, method: "POST" } },
      second === "long"
        ? { id: "work", type: "http.request", params: { url: `${server.url}/long?run={{ run.id }}` } }
        : { id: "work", type: "set", params: { value: "quick" } },
    ],
    edges: [{ from: "effect", to: "work" }],
  });
  await stopping.waitForLog((l) => l.message === "worker started", 60_000);

  // The long runs all start on the worker that will stop; the second worker comes up after them.
  const longRuns = await seedRuns(deps.db, graph("long"), LONG);
  const shortRuns = await seedRuns(deps.db, graph("short"), SHORT);
  await enqueueRuns(deps.queues, longRuns);
  await eventually(
    async () => (server.requests.filter((r) => r.path === "/long").length === LONG ? true : undefined),
    60_000,
  );
  staying = spawnService("worker", { ...env, WORKER_ID: "sigterm-b" });
  await staying.waitForLog((l) => l.message === "worker started", 60_000);
  await enqueueRuns(deps.queues, shortRuns);
  const held = await deps.db.run.count({ where: { id: { in: longRuns }, leaseOwner: "sigterm-a" } });

  const signalledAt = Date.now();
  stopping.proc.kill("SIGTERM");
  const code = await stopping.exited;
  const exitedAt = Date.now();
  const handOvers = await deps.db.runAuditEntry.findMany({
    where: { runId: { in: longRuns }, action: "run_handed_over" },
  });
  release.open();
  const recovery = await waitAllTerminal(deps.db, [...longRuns, ...shortRuns], 60_000);

  const runs = await deps.db.run.findMany({ where: { id: { in: [...longRuns, ...shortRuns] } } });
  const twice =
    executedTwice(server, "/effect") +
    (await nodesExecutedTwice(
      deps.db,
      runs.map((r) => r.id),
    ));
  reportFigures("worker-sigterm", {
    accepted: SHORT + LONG,
    terminal: runs.length,
    succeeded: runs.filter((r) => r.status === "succeeded").length,
    exit_code: code,
    long_runs_on_stopped_worker: held,
    handed_over: handOvers.length,
    executed_twice: twice,
    handover_after_sigterm_ms:
      handOvers.length > 0 ? Math.max(...handOvers.map((a) => a.at.getTime())) - signalledAt : null,
    exit_after_sigterm_ms: exitedAt - signalledAt,
    recovery_ms: recovery,
  });
  assert.equal(code, 0);
  assert.equal(held, LONG, "the stopped worker held every long run");
  assert.equal(handOvers.length, held);
  assert.ok(runs.every((r) => r.status === "succeeded"));
  assert.equal(twice, 0);
  assert.ok(stopping.logs.some((l) => l.message === "shutdown deadline passed, handing active runs back"));
});
