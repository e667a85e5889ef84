import assert from "node:assert/strict";
import { test } from "node:test";
import { startTestServer } from "@switchyard/core/engine/testing/start-test-server";
import { enqueueRuns } from "@switchyard/core/jobs/queues";
import { eventually, spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { createTestDeps } from "@switchyard/core/testing/test-deps";
import { executedTwice, seedRuns, waitAllTerminal } from "./lib/fault-runs";
import { reportFigures } from "./lib/report-figures";

const OTHERS = 100;

test("a run that kills its worker every time is failed after MAX_CRASH_RECOVERIES; the others all succeed", async (t) => {
  const deps = await createTestDeps();
  const server = await startTestServer();
  const workers = new Map<string, ServiceProcess>();
  let spawned = 0;
  let stopping = false;
  t.after(async () => {
    stopping = true;
    await Promise.all([...workers.values()].map((w) => w.stop("SIGKILL")));
    await server.close();
    await deps.close();
  });
  // Two workers, each replaced when it dies, as systemd's Restart=on-failure would.
  const spawnWorker = () => {
    const id = `poison-${++spawned}`;
    const worker = spawnService("worker", {
      ...deps.env,
      LOG_LEVEL: "info",
      WORKER_ID: id,
      WORKER_CONCURRENCY: "20",
      RUN_LEASE_SECONDS: "4",
      RUN_LEASE_HEARTBEAT_SECONDS: "2",
    });
    workers.set(id, worker);
    void worker.exited.then(() => {
      if (!stopping && spawned < 12) spawnWorker();
    });
    return worker;
  };
  // The poison node's call kills whichever worker holds the run, as a crash of the process would.
  server.route("/poison", async (req) => {
    const row = await deps.db.run.findUnique({ where: { id: req.query.run ?? "" }, select: { leaseOwner: true } });
    workers.get(row?.leaseOwner ?? "")?.proc.kill("SIGKILL");
    return new Promise(() => undefined);
  });
  server.route("/ok", () => ({ body: "fine" }));
  const call = (path: string) => ({
    nodes: [{ id: "call", type: "http.request", params: { url: `${server.url}${path}?run={{ run.id }}` } }],
    edges: [],
  });
  await Promise.all(
    [spawnWorker(), spawnWorker()].map((w) => w.waitForLog((l) => l.message === "worker started", 60_000)),
  );

  const [poison] = await seedRuns(deps.db, call("/poison"), 1);
  const others = await seedRuns(deps.db, call("/ok"), OTHERS);
  const started = Date.now();
  await enqueueRuns(deps.queues, [poison!]);
  // The others come once the poison runs, so they do not all start beside it on the worker it kills.
  await eventually(async () => (server.requests.some((r) => r.path === "/poison") ? true : undefined), 60_000);
  await enqueueRuns(deps.queues, others);
  const poisonMs = await waitAllTerminal(deps.db, [poison!], 100_000);
  await waitAllTerminal(deps.db, others, 60_000);

  const poisoned = await deps.db.run.findUniqueOrThrow({ where: { id: poison! } });
  const runs = await deps.db.run.findMany({ where: { id: { in: others } } });
  reportFigures("poison-run", {
    accepted: OTHERS + 1,
    terminal: runs.length + 1,
    succeeded: runs.filter((r) => r.status === "succeeded").length,
    poison_status: poisoned.status,
    workers_killed: server.requests.filter((r) => r.path === "/poison").length,
    executed_twice: executedTwice(server, "/ok"),
    recovery_ms: poisonMs,
    total_ms: Date.now() - started,
  });
  assert.equal(poisoned.status, "failed");
  assert.equal(poisoned.error, "Run failed: its worker stopped 3 times while executing it (MAX_CRASH_RECOVERIES=2)");
  assert.equal(server.requests.filter((r) => r.path === "/poison").length, 3);
  assert.ok(runs.every((r) => r.status === "succeeded"));
});
