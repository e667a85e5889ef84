import assert from "node:assert/strict";
import { test } from "node:test";
import { createGate, startTestServer } from "@switchyard/core/engine/testing/start-test-server";
import { enqueueRuns } from "@switchyard/core/jobs/queues";
import { eventually, spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { createTestDeps } from "@switchyard/core/testing/test-deps";
import { seedRuns, waitAllTerminal } from "./lib/fault-runs";
import { reportFigures } from "./lib/report-figures";

const RUNS = 20;
/** Short leases so the takeover comes within seconds; the defaults behave the same, only slower. */
const LEASES = { RUN_LEASE_SECONDS: "2", RUN_LEASE_HEARTBEAT_SECONDS: "1" };

test("kill -9 of a worker with 20 HTTP calls in flight: each call is sent again by the next worker with the same Idempotency-Key", async (t) => {
  const deps = await createTestDeps();
  const server = await startTestServer();
  const workers: ServiceProcess[] = [];
  const never = createGate();
  t.after(async () => {
    never.open();
    await Promise.all(workers.map((w) => w.stop("SIGKILL")));
    await server.close();
    await deps.close();
  });
  // The first worker's calls are held open until it dies; the calls of the worker that takes over are answered.
  let answering = false;
  server.route("/charge", async () => {
    if (!answering) await never.promise;
    return { body: { charged: true } };
  });
  const graph = {
    nodes: [
      { id: "charge", type: "http.request", params: { url: `${server.url}/charge?run={{ run.id }}`, method: "POST" } },
    ],
    edges: [],
  };
  const spawnWorker = (id: string) => {
    const worker = spawnService("worker", { ...deps.env, ...LEASES, LOG_LEVEL: "info", WORKER_ID: id });
    workers.push(worker);
    return worker;
  };
  const first = spawnWorker("idem-a");
  await first.waitForLog((l) => l.message === "worker started", 60_000);
  const runIds = await seedRuns(deps.db, graph, RUNS);
  await enqueueRuns(deps.queues, runIds);
  await eventually(async () => (server.requests.length === RUNS ? true : undefined), 60_000, "every call in flight");
  first.proc.kill("SIGKILL");
  await first.exited;
  const killedAt = Date.now();
  answering = true;

  const second = spawnWorker("idem-b");
  await second.waitForLog((l) => l.message === "worker started", 60_000);
  await waitAllTerminal(deps.db, runIds, 90_000);
  const recoveryMs = Date.now() - killedAt;
  const runs = await deps.db.run.findMany({ where: { id: { in: runIds } } });
  const keysByRun = new Map<string, string[]>();
  for (const r of server.requests) {
    const keys = keysByRun.get(r.query.run ?? "") ?? [];
    keys.push(String(r.headers["idempotency-key"]));
    keysByRun.set(r.query.run ?? "", keys);
  }
  const sentTwice = [...keysByRun.values()].filter((keys) => keys.length === 2).length;
  const sameKey = runIds.filter((id) => {
    const keys = keysByRun.get(id) ?? [];
    return keys.length === 2 && keys.every((k) => k === `${id}:charge`);
  }).length;
  reportFigures("http-idempotency", {
    accepted: RUNS,
    terminal: runs.length,
    succeeded: runs.filter((r) => r.status === "succeeded").length,
    in_flight_at_kill: RUNS,
    sent_twice: sentTwice,
    same_idempotency_key: sameKey,
    recovery_ms: recoveryMs,
  });
  assert.ok(runs.every((r) => r.status === "succeeded" && r.attempt === 2 && r.crashRecoveries === 1));
  // At-least-once: each call in flight at the kill was sent again, and the receiver can tell it by its key.
  assert.equal(sentTwice, RUNS);
  assert.equal(sameKey, RUNS);
});
