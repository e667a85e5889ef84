import assert from "node:assert/strict";
import { test } from "node:test";
import { Redis } from "ioredis";
import { CRON_SCHEDULER_ID } from "@switchyard/core/beat/upsert-cron-scheduler";
import { createGate, startTestServer } from "@switchyard/core/engine/testing/start-test-server";
import { enqueueRuns } from "@switchyard/core/jobs/queues";
import { freePort, startPrivateRedis } from "@switchyard/core/testing/private-redis";
import { eventually, spawnService } from "@switchyard/core/testing/service-process";
import { createTestDeps } from "@switchyard/core/testing/test-deps";
import { executedTwice, nodesExecutedTwice, seedRuns, waitAllTerminal } from "./lib/fault-runs";
import { reportFigures } from "./lib/report-figures";

const PENDING = 500;
const WAITING = 20;

test("FLUSHALL with 500 pending runs, parked runs and a cron trigger: all complete exactly once, cron comes back", async (t) => {
  const redis = await startPrivateRedis();
  const deps = await createTestDeps({ REDIS_URL: redis.url });
  const server = await startTestServer();
  const port = await freePort();
  const env = {
    ...deps.env,
    LOG_LEVEL: "info",
    API_URL: `http://127.0.0.1:${port}`,
    CRON_DISPATCH_INTERVAL: "1",
    RECONCILE_AFTER_SECONDS: "1",
    RECONCILE_INTERVAL_SECONDS: "2",
    // Only the reconcile pass's check can bring the scheduler back within the case.
    SCHEDULER_REFRESH_SECONDS: "3600",
    WORKER_CONCURRENCY: "20",
    WORKER_WATCHDOG_SECONDS: "10",
  };
  const api = spawnService("api", { ...env, PORT: String(port) });
  const beat = spawnService("beat", env);
  const workers = ["flush-a", "flush-b"].map((id) => spawnService("worker", { ...env, WORKER_ID: id }));
  const admin = new Redis(redis.url, { maxRetriesPerRequest: null });
  admin.on("error", () => undefined);
  t.after(async () => {
    await Promise.all([api, beat, ...workers].map((p) => p.stop("SIGKILL")));
    admin.disconnect();
    await server.close();
    await deps.close();
    await redis.stop();
  });
  await api.waitForLog((l) => l.message === "api listening", 60_000);
  await Promise.all(workers.map((w) => w.waitForLog((l) => l.message === "worker started", 60_000)));
  await eventually(async () => (await deps.queues.beat.getJobScheduler(CRON_SCHEDULER_ID)) ?? undefined, 60_000);

  // A cron trigger that stays active throughout (every minute: a run if a minute starts during the case).
  const cronWorkflow = await deps.db.workflow.create({ data: { name: "cron", handle: "flush-cron" } });
  await deps.db.workflowVersion.create({
    data: {
      workflowId: cronWorkflow.id,
      version: 1,
      graph: { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] },
    },
  });
  const saved = await fetch(`${env.API_URL}/api/workflows/flush-cron/triggers/cron/config`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ expression: "* * * * *", timezone: "UTC", allow_overlapping: true }),
  });
  assert.equal(saved.status, 200, await saved.text());

  // Parked runs: their resume jobs are delayed jobs, gone with the flush.
  const parked = await seedRuns(
    deps.db,
    {
      nodes: [
        { id: "wait", type: "delay", params: { seconds: 8 } },
        { id: "after", type: "set", params: { value: "resumed" } },
      ],
      edges: [{ from: "wait", to: "after" }],
    },
    WAITING,
  );
  await enqueueRuns(deps.queues, parked);
  await eventually(
    async () =>
      (await deps.db.run.count({ where: { id: { in: parked }, status: "waiting" } })) === WAITING ? true : undefined,
    60_000,
  );

  // 500 runs: 40 executing (their call held), the rest waiting in Redis when it is flushed.
  const release = createGate();
  server.route("/work", async () => {
    await release.promise;
    return { body: "done" };
  });
  const pending = await seedRuns(
    deps.db,
    {
      nodes: [{ id: "call", type: "http.request", params: { url: `${server.url}/work?run={{ run.id }}` } }],
      edges: [],
    },
    PENDING,
  );
  await enqueueRuns(deps.queues, pending);
  await eventually(
    async () => (server.requests.filter((r) => r.path === "/work").length >= 40 ? true : undefined),
    60_000,
  );

  await admin.flushall();
  const flushedAt = Date.now();
  release.open();
  const schedulerBack = eventually(
    async () => ((await deps.queues.beat.getJobScheduler(CRON_SCHEDULER_ID)) ? Date.now() - flushedAt : undefined),
    60_000,
  );
  const recovery = await waitAllTerminal(deps.db, [...pending, ...parked], 100_000);
  const schedulerBackMs = await schedulerBack;
  // A cron dispatch ran after the flush: the tick itself is back, not only its definition.
  await eventually(
    async () => (((await deps.queues.beat.getJobCounts("completed")).completed ?? 0) > 0 ? true : undefined),
    30_000,
  );

  const cronRuns = await deps.db.run.findMany({ where: { workflowId: cronWorkflow.id }, select: { id: true } });
  await waitAllTerminal(
    deps.db,
    cronRuns.map((r) => r.id),
    30_000,
  );
  const all = [...pending, ...parked, ...cronRuns.map((r) => r.id)];
  const runs = await deps.db.run.findMany({ where: { id: { in: all } } });
  const finishes = await deps.db.runAuditEntry.groupBy({
    by: ["runId"],
    where: { runId: { in: all }, action: "run_succeeded" },
    _count: true,
  });
  const twice =
    executedTwice(server, "/work") +
    (await nodesExecutedTwice(deps.db, all)) +
    finishes.filter((f) => f._count > 1).length;
  const reenqueued = beat.logs
    .filter((l) => l.message === "reconciler enqueued runs" || l.message === "reconciler re-scheduled waiting runs")
    .reduce((n, l) => n + Number(l.count ?? 0), 0);
  reportFigures("redis-flush", {
    accepted: all.length,
    terminal: runs.length,
    succeeded: runs.filter((r) => r.status === "succeeded").length,
    cron_runs: cronRuns.length,
    reenqueued_from_postgres: reenqueued,
    executed_twice: twice,
    scheduler_back_ms: schedulerBackMs,
    recovery_ms: recovery,
    watchdog_replacements: workers
      .flatMap((w) => w.logs)
      .filter((l) => l.message === "worker watchdog replaced the consumer").length,
  });
  assert.ok(
    runs.every((r) => r.status === "succeeded"),
    "every run succeeded",
  );
  assert.equal(twice, 0);
  assert.ok(beat.logs.some((l) => l.message === "cron scheduler was missing, restored"));
  assert.ok(reenqueued > 0);
});
