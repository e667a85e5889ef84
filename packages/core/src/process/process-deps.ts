import type { Redis } from "ioredis";
import { createDb } from "../db";
import type { Deps } from "../deps";
import { closeQueues, createQueues } from "../jobs/queues";
import { createRedis } from "../redis";
import { watchRedisEvictionPolicy } from "../redis-policy";
import type { Config } from "../config";
import { bootProcess } from "./lifecycle";

export type ProcessDeps = Deps & {
  /** Closes the queues, Redis and Postgres: the last step of a graceful shutdown. */
  close: () => Promise<void>;
  /** Registers a connection of the process's own (a worker's blocking one) to log its errors and close it. */
  adopt: (connection: Redis) => Redis;
};

/**
 * What every main.ts builds: config (exiting on a bad one), the logger, Postgres, the producer Redis connection and
 * the queues. `poolSize` overrides DATABASE_POOL_SIZE; `checkEviction` refuses an evicting Redis (api, worker).
 */
export function createProcessDeps(
  service: "api" | "worker" | "beat",
  options: { poolSize?: (config: Config) => number; checkEviction?: boolean } = {},
): ProcessDeps {
  const { config, logger } = bootProcess(service);
  const db = createDb({ ...config, DATABASE_POOL_SIZE: options.poolSize?.(config) ?? config.DATABASE_POOL_SIZE });
  const owned: Redis[] = [];
  const adopt = (connection: Redis) => {
    connection.on("error", (err: Error) => logger.warn("redis connection error", { err: err.message }));
    owned.push(connection);
    return connection;
  };
  const redis = adopt(createRedis(config.REDIS_URL, "producer"));
  if (options.checkEviction === true) {
    watchRedisEvictionPolicy(redis, logger, config.ALLOW_REDIS_EVICTION, () => process.exit(1));
  }
  const queues = createQueues(redis, config.QUEUE_PREFIX);
  // Without a listener BullMQ prints every connection error raw; the connection's own listener above logs them.
  queues.runs.on("error", () => undefined);
  queues.beat.on("error", () => undefined);
  return {
    config,
    logger,
    db,
    redis,
    queues,
    adopt,
    close: async () => {
      await closeQueues(queues);
      for (const connection of owned) connection.disconnect();
      await db.$disconnect();
    },
  };
}
