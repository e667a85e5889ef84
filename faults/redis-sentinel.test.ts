import assert from "node:assert/strict";
import { test } from "node:test";
import { startPrivateSentinel } from "@switchyard/core/testing/private-redis";
import { eventually } from "@switchyard/core/testing/service-process";
import { startPrivatePostgres } from "@switchyard/core/testing/private-postgres";
import { createFaultDeps } from "./lib/fault-deps";
import { runThroughFailover } from "./lib/redis-failover";
import { reportFigures } from "./lib/report-figures";

test("Redis Sentinel: a master failover during 500 in-flight runs; every run completes exactly once", async (t) => {
  const sentinel = await startPrivateSentinel();
  const postgres = await startPrivatePostgres();
  const deps = createFaultDeps({ databaseUrl: postgres.url, redisUrl: sentinel.env.REDIS_URL ?? "" }, sentinel.env);
  t.after(async () => {
    await deps.close();
    await sentinel.stop();
    await postgres.destroy();
  });
  const figures = await runThroughFailover(
    deps,
    async () => {
      await sentinel.master.kill();
      await eventually(
        async () => ((await sentinel.masterPort()) === sentinel.replica.port ? true : undefined),
        30_000,
        "the sentinel to promote the replica",
      );
    },
    { before: 400, during: 50, after: 50 },
  );
  reportFigures("redis-sentinel-failover", figures);
  assert.equal(figures.succeeded, figures.accepted);
  assert.equal(figures.executed_twice, 0);
  assert.equal(figures.called_twice, 0);
  assert.ok(figures.accepted >= 450);
});
