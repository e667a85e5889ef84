import { describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { QUEUES, runJobId } from "@switchyard/core/jobs/catalog";
import { CRON_SCHEDULER_ID } from "@switchyard/core/beat/upsert-cron-scheduler";
import { countAddedEvents, seedRuns } from "@switchyard/core/beat/testing/seed-runs";
import { createTestDeps, type TestDeps } from "@switchyard/core/testing/test-deps";
import { eventually, spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { startPrivateRedis } from "@switchyard/core/testing/private-redis";

type SeenRequest = { method: string; url: string; authorization: string | undefined; body: string };

/** Stands in for the API: records every request and answers the dispatch call with `created` runs. */
async function startFakeApi(created = 0) {
  const requests: SeenRequest[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      requests.push({ method: req.method ?? "", url: req.url ?? "", authorization: req.headers.authorization, body });
      for (const w of waiters.filter((w) => w.n <= requests.length)) w.resolve();
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(Array.from({ length: created }, (_, i) => ({ id: `run-${i}`, status: "pending" }))));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    /** Resolves once `n` requests in all have arrived. */
    received: (n: number) =>
      new Promise<void>((resolve) => (requests.length >= n ? resolve() : waiters.push({ n, resolve }))),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const schedulerExists = (deps: TestDeps) =>
  eventually(
    async () => {
      try {
        const found = await deps.queues.beat.getJobSchedulers();
        return found.some((s) => s.key === CRON_SCHEDULER_ID) ? true : undefined;
      } catch {
        return undefined; // Redis is still coming back.
      }
    },
    20_000,
    "the cron job scheduler",
  );

describe("beat", () => {
  /**
   * A test's own database, prefix and fake API, and a way to start beats on them. Everything is removed after the
   * test, beats first (SIGTERM, which must end in a clean exit).
   */
  const setup = async (t: TestContext, env: Record<string, string> = {}, created = 0, redisUrl?: string) => {
    const cleanups: (() => Promise<unknown>)[] = [];
    t.after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
    });
    const deps: TestDeps = await createTestDeps(redisUrl === undefined ? {} : { REDIS_URL: redisUrl });
    cleanups.push(() => deps.close());
    const api = await startFakeApi(created);
    cleanups.push(() => api.close());
    const beatEnv = {
      ...deps.env,
      LOG_LEVEL: "info",
      API_URL: api.url,
      CRON_DISPATCH_INTERVAL: "1",
      RECONCILE_INTERVAL_SECONDS: "1",
      ...env,
    };
    const spawnBeat = (): ServiceProcess => {
      const beat = spawnService("beat", beatEnv);
      cleanups.push(async () => assert.equal(await beat.stop(), 0));
      return beat;
    };
    return { deps, api, spawnBeat };
  };

  it("enqueues a pending run whose enqueue failed and leaves caller-driven and finished runs alone", async (t) => {
    const { deps, spawnBeat } = await setup(t, { RECONCILE_AFTER_SECONDS: "1" });
    const [lost, callerDriven, cancelled] = await seedRuns(deps.db, [{}, { execute: false }, { status: "cancelled" }]);
    const beat = spawnBeat();
    const job = await eventually(() => deps.queues.runs.getJob(runJobId(lost!)), 20_000, "the lost run's job");
    assert.deepEqual(job.data, { run_id: lost });
    const line = await beat.waitForLog((l) => l.message === "reconciler enqueued runs");
    assert.deepEqual(line.runIds, [lost]);
    assert.equal(line.count, 1);
    assert.equal(await deps.queues.runs.getJob(runJobId(callerDriven!)), undefined);
    assert.equal(await deps.queues.runs.getJob(runJobId(cancelled!)), undefined);
  });

  it("creates the cron job scheduler at start and re-creates it after Redis loses its keys", async (t) => {
    const { deps, api, spawnBeat } = await setup(t, { SCHEDULER_REFRESH_SECONDS: "1", CRON_DISPATCH_INTERVAL: "2" });
    spawnBeat();
    const [scheduler] = await eventually(
      async () => {
        const found = await deps.queues.beat.getJobSchedulers();
        return found.length > 0 ? found : undefined;
      },
      20_000,
      "the job scheduler",
    );
    assert.equal(scheduler?.key, CRON_SCHEDULER_ID);
    assert.equal(scheduler?.name, "cron_dispatch");
    assert.equal(Number(scheduler?.every), 2_000);

    // Only this test's keys: the shared Redis is never flushed.
    const keys = await deps.redis.keys(`${deps.config.QUEUE_PREFIX}:${QUEUES.beat}:*`);
    assert.ok(keys.length > 0);
    await deps.redis.del(...keys);
    const before = api.requests.length;
    await eventually(
      async () => {
        const found = await deps.queues.beat.getJobSchedulers();
        return found.some((s) => s.key === CRON_SCHEDULER_ID) ? true : undefined;
      },
      20_000,
      "the re-created job scheduler",
    );
    await api.received(before + 1);
  });

  it("calls the API's cron dispatch with the service token on every tick", async (t) => {
    const { api, spawnBeat } = await setup(t, { AUTH_MODE: "required", API_TOKENS: "service-token,other-token" }, 2);
    const beat = spawnBeat();
    await api.received(3);
    for (const req of api.requests.slice(0, 3)) {
      assert.equal(req.method, "POST");
      assert.equal(req.url, "/api/triggers/cron/dispatch");
      assert.equal(req.authorization, "Bearer service-token");
    }
    const line = await beat.waitForLog((l) => l.message === "cron dispatch");
    assert.equal(line.created, 2);
  });

  it("warns and keeps ticking when the API fails", async (t) => {
    const { deps, spawnBeat } = await setup(t, { API_URL: "http://127.0.0.1:9/" });
    const beat = spawnBeat();
    await beat.waitForLog((l) => l.message === "cron dispatch failed" && l.level === "warn");
    const failed = await eventually(
      async () => {
        const n = await deps.queues.beat.getFailedCount();
        return n >= 2 ? n : undefined;
      },
      20_000,
      "two failed ticks",
    );
    assert.ok(failed >= 2);
  });

  it("runs three beats at once with one scheduler, and enqueues each lost run once", async (t) => {
    const { deps, api, spawnBeat } = await setup(t, { RECONCILE_AFTER_SECONDS: "1", SCHEDULER_REFRESH_SECONDS: "1" });
    const runIds = await seedRuns(
      deps.db,
      Array.from({ length: 30 }, () => ({})),
    );
    const beats = [spawnBeat(), spawnBeat(), spawnBeat()];
    await eventually(
      async () => {
        const jobs = await Promise.all(runIds.map((id) => deps.queues.runs.getJob(runJobId(id))));
        return jobs.every((j) => j !== undefined) ? true : undefined;
      },
      20_000,
      "every lost run's job",
    );
    // Several more ticks and reconciler passes of every beat after the repair.
    const seen = api.requests.length;
    await api.received(seen + 3);
    for (const beat of beats) await beat.waitForLog((l) => l.message === "beat started");

    const added = await countAddedEvents(deps.redis, deps.config.QUEUE_PREFIX, QUEUES.runs);
    for (const id of runIds) assert.equal(added.get(runJobId(id)), 1, `run ${id}`);
    assert.equal(await deps.queues.runs.getPrioritizedCount(), runIds.length);
    assert.equal((await deps.queues.beat.getJobSchedulers()).length, 1);
    assert.ok(api.requests.every((r) => r.url === "/api/triggers/cron/dispatch"));
  });

  it("ticks again after its Redis restarts empty", { timeout: 60_000 }, async (t) => {
    const redis = await startPrivateRedis();
    const ctx = await setup(t, { SCHEDULER_REFRESH_SECONDS: "1" }, 0, redis.url).catch(async (err: unknown) => {
      await redis.stop();
      throw err;
    });
    // After hooks run in order: this one follows setup's, so the beat and the test's connections close first.
    t.after(() => redis.stop());
    const { deps, api, spawnBeat } = ctx;
    // The outage is the point of this test: its connection errors are expected.
    deps.redis.on("error", () => undefined);
    for (const queue of [deps.queues.runs, deps.queues.beat]) queue.on("error", () => undefined);
    spawnBeat();
    await schedulerExists(deps);
    await api.received(1);

    await redis.restart();
    await schedulerExists(deps);
    const after = api.requests.length;
    await api.received(after + 2);
  });
});
