import { Redis, type RedisOptions } from "ioredis";

/**
 * Connections by role. `worker`: blocking BullMQ consumers, retry forever. `producer`: request paths,
 * which fail fast while Redis is down instead of queueing commands in memory.
 */
export type RedisRole = "worker" | "producer";

export function createRedis(url: string, role: RedisRole, extra: RedisOptions = {}): Redis {
  const base: RedisOptions =
    role === "worker"
      ? { maxRetriesPerRequest: null }
      : { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000, commandTimeout: 2_000 };
  return new Redis(url, {
    ...base,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    ...extra,
  });
}
