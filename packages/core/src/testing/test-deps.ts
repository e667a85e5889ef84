import { randomBytes } from "node:crypto";
import { parseConfig, type Config } from "../config";
import { createDb } from "../db";
import type { Deps } from "../deps";
import { createLogger } from "../logger";
import { closeQueues, createQueues } from "../jobs/queues";
import { createRedis } from "../redis";
import { createMetrics } from "../observability/metrics";
import { createRunChangePublisher } from "../run-events/run-change-publisher";
import { createTestDatabase } from "./test-database";

export type TestDeps = Deps & {
  /** Environment for child processes (worker, beat) that must share this test's database and prefix. */
  env: Record<string, string>;
  close: () => Promise<void>;
};

/**
 * Everything a test file needs, isolated: its own database cloned from the migrated template and its own
 * Redis key prefix. `close` drops both.
 */
export async function createTestDeps(overrides: Record<string, string> = {}): Promise<TestDeps> {
  const database = await createTestDatabase();
  const prefix = `syt-${randomBytes(5).toString("hex")}`;
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    REDIS_URL: process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "error",
    NODE_ENV: "test",
    // A random key per test file, so webhook secrets are stored encrypted as in production; override "" to unset.
    SECRET_KEY: randomBytes(32).toString("base64"),
    ...overrides,
  };
  const config: Config = parseConfig(env);
  const logger = createLogger("test", config);
  const db = createDb(config);
  const redis = createRedis(config, "producer");
  if (redis.status !== "ready") await new Promise((resolve) => redis.once("ready", resolve));
  const queues = createQueues(redis, config.QUEUE_PREFIX);
  const changes = createRunChangePublisher(redis, config.QUEUE_PREFIX, logger);
  return {
    config,
    logger,
    db,
    redis,
    queues,
    metrics: createMetrics({ queues, routing: { db, heartbeatSeconds: config.RUN_LEASE_HEARTBEAT_SECONDS } }),
    changes,
    env,
    close: async () => {
      await changes.flush();
      await closeQueues(queues);
      await deleteKeys(redis, `${config.QUEUE_PREFIX}:*`);
      redis.disconnect();
      await db.$disconnect();
      await database.drop();
    },
  };
}

/** Deletes every key matching `pattern` (SCAN, never KEYS or FLUSHALL). */
export async function deleteKeys(redis: Deps["redis"], pattern: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
}
