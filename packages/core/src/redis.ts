import { Cluster, Redis, type RedisOptions } from "ioredis";
import type { Config } from "./config";
import { FollowingSentinelConnector } from "./redis-sentinel";

/**
 * Connections by role. `worker`: blocking BullMQ consumers, retry forever. `producer`: request paths,
 * which fail fast while Redis is down instead of queueing commands in memory.
 */
export type RedisRole = "worker" | "producer";

/**
 * Where Redis is: REDIS_URL, Sentinels naming the master, or a Cluster's seed nodes (REDIS_URL's credentials, and
 * outside a Cluster its db, still apply).
 */
export type RedisTarget = Pick<Config, "REDIS_URL"> &
  Partial<
    Pick<Config, "REDIS_SENTINELS" | "REDIS_SENTINEL_MASTER" | "REDIS_SENTINEL_PASSWORD" | "REDIS_CLUSTER_NODES">
  >;

/**
 * A connection as `createRedis` makes it: a `Redis` (one server, or the master the Sentinels name), or a `Cluster`.
 * Both take the commands the platform sends (every one names one key, or keys under the one hash-tagged prefix
 * `{QUEUE_PREFIX}` on a Cluster, parseConfig, so each lands on one slot) and BullMQ takes either as its connection.
 */
export type RedisConnection = Redis | Cluster;

/** A connection of `role` to the target: a `Cluster` for REDIS_CLUSTER_NODES, a `Redis` otherwise. */
export function createRedis(target: string | RedisTarget, role: RedisRole, extra: RedisOptions = {}): RedisConnection {
  const {
    REDIS_URL: url,
    REDIS_SENTINELS: sentinels = [],
    REDIS_CLUSTER_NODES: clusterNodes = [],
    ...sentinel
  } = typeof target === "string" ? { REDIS_URL: target } : target;
  const base: RedisOptions =
    role === "worker"
      ? { maxRetriesPerRequest: null }
      : { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000, commandTimeout: 2_000 };
  const options: RedisOptions = { ...base, retryStrategy: (times) => Math.min(times * 200, 2_000), ...extra };
  if (clusterNodes.length > 0) return createCluster(url, clusterNodes, role, options);
  if (sentinels.length === 0) return new Redis(url, options);
  return new Redis({
    ...urlCredentials(url),
    sentinels,
    name: sentinel.REDIS_SENTINEL_MASTER ?? "mymaster",
    ...(sentinel.REDIS_SENTINEL_PASSWORD !== undefined && { sentinelPassword: sentinel.REDIS_SENTINEL_PASSWORD }),
    // A failover: the sentinels announce the new master (+switch-master) and every connection moves to it
    // (FollowingSentinelConnector, in every duplicate too); a command that reached a demoted master (READONLY)
    // reconnects and is sent again to the one the sentinels name.
    Connector: FollowingSentinelConnector,
    sentinelRetryStrategy: (times) => Math.min(times * 200, 2_000),
    reconnectOnError: (err) => (err.message.startsWith("READONLY") ? 2 : false),
    ...options,
  });
}

/** The user, password, db and TLS of a redis:// URL, for connections that find their server elsewhere. */
function urlCredentials(url: string): RedisOptions {
  const u = new URL(url);
  const db = Number(u.pathname.replace(/^\//, "") || 0);
  return {
    ...(u.username !== "" && { username: decodeURIComponent(u.username) }),
    ...(u.password !== "" && { password: decodeURIComponent(u.password) }),
    ...(db > 0 && { db }),
    ...(u.protocol === "rediss:" && { tls: {}, enableTLSForSentinelMode: true }),
  };
}

function createCluster(
  url: string,
  nodes: readonly { host: string; port: number }[],
  role: RedisRole,
  options: RedisOptions,
): Cluster {
  const { db: _db, ...credentials } = urlCredentials(url);
  const { retryStrategy, enableOfflineQueue, ...redisOptions } = options;
  return new Cluster([...nodes], {
    redisOptions: { ...credentials, ...redisOptions },
    clusterRetryStrategy: retryStrategy ?? null,
    // A producer fails fast while no node answers; a consumer waits. Through a master's failover (a replica
    // promoted, the slots moved) commands are retried on the node that serves their slot once it does.
    enableOfflineQueue: enableOfflineQueue ?? role === "worker",
    scaleReads: "master",
    maxRedirections: 32,
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 200,
    slotsRefreshTimeout: 2_000,
  });
}
