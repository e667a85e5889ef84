import { createDb } from "@switchyard/core/db";
import { closeQueues, createQueues } from "@switchyard/core/jobs/queues";
import { bootNodeRegistry } from "@switchyard/core/process/boot-node-registry";
import { bootProcess, onShutdown } from "@switchyard/core/process/lifecycle";
import { createMetrics } from "@switchyard/core/observability/metrics";
import { serveProcessMetrics } from "@switchyard/core/observability/metrics-server";
import { startTracing } from "@switchyard/core/observability/start-tracing";
import { createRedis } from "@switchyard/core/redis";
import { watchRedisEvictionPolicy } from "@switchyard/core/redis-policy";
import { createWorker } from "./worker";

const { config, logger } = bootProcess("worker");
// Plugins first: a bad one stops the worker (exit 2) before it connects anywhere.
const registry = await bootNodeRegistry("worker", config, logger);
const tracing = await startTracing(config, "worker", logger);
const metrics = createMetrics();
// A run in flight holds a connection only while one of its statements runs (the rest is Redis and the graph): half
// as many connections as runs keeps runs from queueing for one without crowding Postgres's connection limit.
const poolSize = Math.max(config.DATABASE_POOL_SIZE, Math.ceil(config.WORKER_CONCURRENCY / 2));
const db = createDb({ ...config, DATABASE_POOL_SIZE: poolSize });
const workerRedis = createRedis(config.REDIS_URL, "worker");
const redis = createRedis(config.REDIS_URL, "producer");
for (const connection of [workerRedis, redis]) {
  connection.on("error", (err: Error) => logger.warn("redis connection error", { err: err.message }));
}
watchRedisEvictionPolicy(redis, logger, config.ALLOW_REDIS_EVICTION, () => process.exit(1));
const queues = createQueues(redis, config.QUEUE_PREFIX, tracing?.telemetry);

const telemetry = tracing?.telemetry;
const runsWorker = await createWorker({ config, logger, db, redis, queues, workerRedis, metrics, telemetry, registry });
// Each instance on a host listens on METRICS_PORT + METRICS_PORT_OFFSET (the systemd unit sets the offset).
const metricsPort = config.METRICS_PORT === 0 ? 0 : config.METRICS_PORT + config.METRICS_PORT_OFFSET;
const metricsServer = await serveProcessMetrics({ config, logger, metrics }, metricsPort);

onShutdown(logger, 60_000, async () => {
  await runsWorker.close();
  await closeQueues(queues);
  workerRedis.disconnect();
  redis.disconnect();
  await db.$disconnect();
  await metricsServer?.close();
  await tracing?.shutdown();
});
