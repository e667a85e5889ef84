import type { RedisConnection } from "../redis";
import { createDb } from "../db";
import type { Deps } from "../deps";
import type { NodeRegistry } from "../engine/node-registry";
import { closeQueues, createQueues } from "../jobs/queues";
import { createMetrics } from "../observability/metrics";
import { serveProcessMetrics } from "../observability/metrics-server";
import { startTracing } from "../observability/start-tracing";
import { createRedis } from "../redis";
import { watchRedisEvictionPolicy } from "../redis-policy";
import type { Config } from "../config";
import { createRunChangePublisher } from "../run-events/run-change-publisher";
import { bootNodeRegistry, createConfiguredNodeRegistry } from "./boot-node-registry";
import { bootProcess } from "./lifecycle";

export type ProcessDeps = Deps & {
  /** Built-in node types plus NODE_PLUGINS (when `plugins`), built-ins only otherwise. */
  registry: NodeRegistry;
  /** Closes the queues, Redis, Postgres, the metrics listener and tracing: the last step of a graceful shutdown. */
  close: () => Promise<void>;
  /** Registers a connection of the process's own (a worker's blocking one) to log its errors and close it. */
  adopt: (connection: RedisConnection) => RedisConnection;
  /** The port the metrics listener got (a free one when the configured port was taken); null without one. */
  metricsPort: number | null;
};

export type ProcessOptions = {
  /** Overrides DATABASE_POOL_SIZE. */
  poolSize?: (config: Config) => number;
  /** Refuse an evicting Redis (api, worker). */
  checkEviction?: boolean;
  /** Load NODE_PLUGINS first: a bad plugin stops the process (exit 2) before it connects anywhere. */
  plugins?: boolean;
  /** Trace this process when OTEL_EXPORTER_OTLP_ENDPOINT is set. */
  tracing?: boolean;
  /** Report queue depth in this process's metrics (the api: one process answers for the queues). */
  queueMetrics?: boolean;
  /** Serve the metrics on a listener of their own, on this port (worker, beat; the api serves /metrics itself). */
  metricsPort?: (config: Config) => number;
};

/**
 * What every main.ts builds: config (exiting on a bad one), the logger, node plugins, tracing, Postgres, the
 * producer Redis connection, the queues and the metrics registry.
 */
export async function createProcessDeps(
  service: "api" | "worker" | "beat",
  options: ProcessOptions = {},
): Promise<ProcessDeps> {
  const { config, logger } = bootProcess(service);
  const registry =
    options.plugins === true
      ? await bootNodeRegistry(service, config, logger)
      : createConfiguredNodeRegistry(config, logger);
  const tracing = options.tracing === true ? await startTracing(config, service, logger) : null;
  const telemetry = tracing?.telemetry;
  const db = createDb({ ...config, DATABASE_POOL_SIZE: options.poolSize?.(config) ?? config.DATABASE_POOL_SIZE });
  const owned: RedisConnection[] = [];
  const adopt = (connection: RedisConnection) => {
    connection.on("error", (err: Error) => logger.warn("redis connection error", { err: err.message }));
    owned.push(connection);
    return connection;
  };
  const redis = adopt(createRedis(config, "producer"));
  if (options.checkEviction === true) {
    watchRedisEvictionPolicy(redis, logger, config.ALLOW_REDIS_EVICTION, () => process.exit(1));
  }
  const queues = createQueues(redis, config.QUEUE_PREFIX, telemetry);
  // Without a listener BullMQ prints every connection error raw; the connection's own listener above logs them.
  queues.runs.on("error", () => undefined);
  queues.beat.on("error", () => undefined);
  const changes = createRunChangePublisher(redis, config.QUEUE_PREFIX, logger);
  const metrics = createMetrics(
    options.queueMetrics === true
      ? { queues, routing: { db, heartbeatSeconds: config.RUN_LEASE_HEARTBEAT_SECONDS } }
      : {},
  );
  const metricsServer =
    options.metricsPort === undefined
      ? null
      : await serveProcessMetrics({ config, logger, metrics }, options.metricsPort(config));
  return {
    config,
    logger,
    db,
    redis,
    queues,
    metrics,
    changes,
    ...(telemetry !== undefined && { telemetry }),
    registry,
    adopt,
    metricsPort: metricsServer?.port ?? null,
    close: async () => {
      await changes.flush();
      await closeQueues(queues);
      for (const connection of owned) connection.disconnect();
      await db.$disconnect();
      await metricsServer?.close();
      await tracing?.shutdown();
    },
  };
}
