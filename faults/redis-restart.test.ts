import assert from "node:assert/strict";
import { test } from "node:test";
import { CRON_SCHEDULER_ID } from "@switchyard/core/beat/upsert-cron-scheduler";
import { createGate, startTestServer } from "@switchyard/core/engine/testing/start-test-server";
import { enqueueRuns } from "@switchyard/core/jobs/queues";
import { startPrivateRedis } from "@switchyard/core/testing/private-redis";
import { eventually, spawnService } from "@switchyard/core/testing/service-process";
import { createTestDeps } from "@switchyard/core/testing/test-deps";
import { executedTwice, nodesExecutedTwice, seedRuns, waitAllTerminal } from "./lib/fault-runs";
import { reportFigures } from "./lib/report-figures";

const BEFORE = 300;
const AFTER = 50;

test("a Redis restart without persistence: queued runs come back from Postgres, workers consume again unrestarted", async (t) => {
  const redis = await startPrivateRedis();
  const deps = await createTestDeps({ REDIS_URL: redis.url });
  const server = await startTestServer();
  const env = {
    ...deps.env,
    LOG_LEVEL: "info",
    RECONCILE_AFTER_SECONDS: "1",
    RECONCILE_INTERVAL_SECONDS: "2",
    SCHEDULER_REFRESH_SECONDS: "3600",
    CRON_DISPATCH_INTERVAL: "60",
    WORKER_CONCURRENCY: "20",
    WORKER_WATCHDOG_SECONDS: "10",
  };
  const beat = spawnService("beat", env);
  const workers = ["restart-a", "restart-b"].map((id) => spawnService("worker", { ...env, WORKER_ID: id }));
  t.after(async () => {
    await Promise.all([beat, ...workers].map((p) => p.stop("SIGKILL")));
    await server.close();
    await deps.close();
    await redis.stop();
  });
  await Promise.all(workers.map((w) => w.waitForLog((l) => l.message === "worker started", 60_000)));
  await eventually(async () => (await deps.queues.beat.getJobScheduler(CRON_SCHEDULER_ID)) ?? undefined, 60_000);

  const release = createGate();
  server.route("/work", async () => {
    await release.promise;
    return { body: "done" };
  });
  const graph = {
    nodes: [{ id: "call", type: "http.request", params: { url: `${server.url}/work?run={{ run.id }}` } }],
    edges: [],
  };
  const before = await seedRuns(deps.db, graph, BEFORE);
  await enqueueRuns(deps.queues, before);
  await eventually(async () => (server.requests.length >= 40 ? true : undefined), 60_000);

  await redis.restart();
  const restartedAt = Date.now();
  release.open();
  // Runs accepted after the restart: the same workers, never restarted, must take their jobs.
  await eventually(async () => (deps.redis.status === "ready" ? true : undefined), 30_000);
  const after = await seedRuns(deps.db, graph, AFTER);
  await enqueueRuns(deps.queues, after);
  const recovery = await waitAllTerminal(deps.db, [...before, ...after], 100_000);
  const schedulerBack = await eventually(
    async () => ((await deps.queues.beat.getJobScheduler(CRON_SCHEDULER_ID)) ? Date.now() - restartedAt : undefined),
    30_000,
  );

  const all = [...before, ...after];
  const runs = await deps.db.run.findMany({ where: { id: { in: all } } });
  const twice = executedTwice(server, "/work") + (await nodesExecutedTwice(deps.db, all));
  reportFigures("redis-restart", {
    accepted: all.length,
    terminal: runs.length,
    succeeded: runs.filter((r) => r.status === "succeeded").length,
    executed_twice: twice,
    scheduler_back_ms: schedulerBack,
    recovery_ms: recovery,
    watchdog_replacements: workers
      .flatMap((w) => w.logs)
      .filter((l) => l.message === "worker watchdog replaced the consumer").length,
  });
  assert.ok(runs.every((r) => r.status === "succeeded"));
  assert.equal(twice, 0);
  assert.ok(
    workers.every((w) => w.proc.exitCode === null),
    "no worker was restarted",
  );
});
