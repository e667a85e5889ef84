import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startPrivateRedis, type PrivateRedis } from "./testing/private-redis";
import { spawnService } from "./testing/service-process";
import { createTestDeps, type TestDeps } from "./testing/test-deps";

// A private Redis with an evicting policy: the shared one must never be reconfigured.
let redisServer: PrivateRedis;
let redisUrl: string;
let deps: TestDeps;

before(async () => {
  redisServer = await startPrivateRedis(["--maxmemory-policy", "allkeys-lru"]);
  redisUrl = redisServer.url;
  deps = await createTestDeps();
});

after(async () => {
  await deps.close();
  await redisServer.stop();
});

test("the worker refuses to start when Redis may evict keys", async () => {
  const worker = spawnService("worker", { ...deps.env, REDIS_URL: redisUrl, ALLOW_REDIS_EVICTION: "false" });
  const code = await worker.exited;
  assert.notEqual(code, 0);
  const refusal = worker.logs.find((l) => l.message?.includes("maxmemory-policy must be noeviction"));
  assert.ok(refusal, "logs why it refuses");
  assert.match(refusal.message ?? "", /evicted keys are lost jobs/);
  assert.equal(refusal.policy, "allkeys-lru");
});

test("the worker starts with an evicting Redis when ALLOW_REDIS_EVICTION is true", async () => {
  const worker = spawnService("worker", {
    ...deps.env,
    REDIS_URL: redisUrl,
    ALLOW_REDIS_EVICTION: "true",
    LOG_LEVEL: "info",
  });
  try {
    await worker.waitForLog((l) => l.message === "worker started");
    await worker.waitForLog((l) => l.level === "warn" && (l.message ?? "").includes("may be lost"));
  } finally {
    // Its exit code is not asserted: a SIGTERM that lands before the shutdown handler is installed kills it outright.
    await worker.stop();
  }
});
