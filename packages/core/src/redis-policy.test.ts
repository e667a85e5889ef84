import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { after, before, test } from "node:test";
import { Redis } from "ioredis";
import { eventually, spawnService } from "./testing/service-process";
import { createTestDeps, type TestDeps } from "./testing/test-deps";

// A private Redis with an evicting policy: the shared one must never be reconfigured.
let redisServer: ChildProcess;
let redisUrl: string;
let deps: TestDeps;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

before(async () => {
  const port = await freePort();
  redisServer = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--maxmemory-policy", "allkeys-lru"],
    { stdio: "ignore", cwd: "/tmp" },
  );
  redisUrl = `redis://127.0.0.1:${port}`;
  const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on("error", () => undefined);
  await eventually(async () => {
    try {
      await probe.connect();
      return await probe.ping();
    } catch {
      probe.disconnect();
      return undefined;
    }
  }, 10_000, "private redis-server up");
  probe.disconnect();
  deps = await createTestDeps();
});

after(async () => {
  await deps.close();
  redisServer.kill("SIGKILL");
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
  const worker = spawnService("worker", { ...deps.env, REDIS_URL: redisUrl, ALLOW_REDIS_EVICTION: "true", LOG_LEVEL: "info" });
  try {
    await worker.waitForLog((l) => l.message === "worker started");
    await worker.waitForLog((l) => l.level === "warn" && (l.message ?? "").includes("may be lost"));
  } finally {
    // Its exit code is not asserted: a SIGTERM that lands before the shutdown handler is installed kills it outright.
    await worker.stop();
  }
});
