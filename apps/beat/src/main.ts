import { createDb } from "@switchyard/core/db";
import { createRedis } from "@switchyard/core/redis";
import { closeQueues, createQueues } from "@switchyard/core/jobs/queues";
import { bootProcess, onShutdown } from "@switchyard/core/process/lifecycle";
import { createMetrics } from "@switchyard/core/observability/metrics";
import { serveProcessMetrics } from "@switchyard/core/observability/metrics-server";
import { startBeat } from "./start-beat";

const { config, logger } = bootProcess("beat");
const db = createDb(config);
const redis = createRedis(config.REDIS_URL, "producer");
redis.on("error", (err: Error) => logger.warn("redis connection error", { err: err.message }));
const queues = createQueues(redis, config.QUEUE_PREFIX);
// Without a listener BullMQ prints every connection error raw; the connection's own listener above logs them.
queues.runs.on("error", () => undefined);
queues.beat.on("error", () => undefined);

const metrics = createMetrics();
const beat = startBeat({ config, logger, db, redis, queues, metrics });
const metricsServer = await serveProcessMetrics({ config, logger, metrics }, config.BEAT_METRICS_PORT);

onShutdown(logger, 30_000, async () => {
  await beat.stop();
  await closeQueues(queues);
  redis.disconnect();
  await db.$disconnect();
  await metricsServer?.close();
});
