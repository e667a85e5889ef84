import type { RedisConnection } from "./redis";
import type { Logger } from "./logger";

export type EvictionPolicyCheck = "ok" | "refused" | "unknown";

/**
 * Reads Redis's `maxmemory-policy`. Any policy but `noeviction` lets Redis drop keys under memory pressure, and an
 * evicted BullMQ key is a lost or duplicated job, so it is refused unless the operator opted in.
 */
export async function checkRedisEvictionPolicy(
  redis: RedisConnection,
  logger: Logger,
  allowEviction: boolean,
): Promise<EvictionPolicyCheck> {
  let policy: string | undefined;
  try {
    const reply = (await redis.call("CONFIG", "GET", "maxmemory-policy")) as string[];
    policy = reply[1];
  } catch (err) {
    // Managed Redis often disables or renames CONFIG: the policy cannot be known, which is not a reason to stop.
    logger.warn("could not read redis maxmemory-policy; make sure it is noeviction", {
      err: err instanceof Error ? err.message : String(err),
    });
    return "unknown";
  }
  if (policy === undefined) {
    logger.warn("could not read redis maxmemory-policy; make sure it is noeviction");
    return "unknown";
  }
  if (policy === "noeviction") return "ok";
  if (allowEviction) {
    logger.warn("redis maxmemory-policy evicts keys; queued jobs may be lost (ALLOW_REDIS_EVICTION=true)", { policy });
    return "ok";
  }
  logger.error(
    "redis maxmemory-policy must be noeviction: evicted keys are lost jobs. " +
      "Set it with CONFIG SET maxmemory-policy noeviction (or in redis.conf), or set ALLOW_REDIS_EVICTION=true",
    { policy },
  );
  return "refused";
}

/**
 * Checks the policy each time the connection becomes ready, so a process started while Redis is down keeps
 * running and checks once it connects, and a Redis restarted with another configuration is caught too.
 */
export function watchRedisEvictionPolicy(
  redis: RedisConnection,
  logger: Logger,
  allowEviction: boolean,
  onRefused: () => void,
): void {
  const check = () => {
    void checkRedisEvictionPolicy(redis, logger, allowEviction).then((result) => {
      if (result === "refused") onRefused();
    });
  };
  redis.on("ready", check);
  if (redis.status === "ready") check();
}
