import type { AddressInfo } from "node:net";
import { createDb } from "@switchyard/core/db";
import { createRedis } from "@switchyard/core/redis";
import { watchRedisEvictionPolicy } from "@switchyard/core/redis-policy";
import { closeQueues, createQueues } from "@switchyard/core/jobs/queues";
import { bootNodeRegistry } from "@switchyard/core/process/boot-node-registry";
import { bootProcess, onShutdown } from "@switchyard/core/process/lifecycle";
import { createMetrics } from "@switchyard/core/observability/metrics";
import { startTracing } from "@switchyard/core/observability/start-tracing";
import { hasActiveApiKey } from "@switchyard/core/auth/api-key-store";
import { createApp } from "./app";

const { config, logger } = bootProcess("api");
const tracing = await startTracing(config, "api", logger);
// The same NODE_PLUGINS as the workers: versions are validated against every type a worker can run.
const registry = await bootNodeRegistry("api", config, logger);
const db = createDb(config);
const redis = createRedis(config.REDIS_URL, "producer");
redis.on("error", (err: Error) => logger.warn("redis connection error", { err: err.message }));
watchRedisEvictionPolicy(redis, logger, config.ALLOW_REDIS_EVICTION, () => process.exit(1));
const queues = createQueues(redis, config.QUEUE_PREFIX, tracing?.telemetry);
// Without a listener BullMQ prints every connection error raw; the connection's own listener above logs them.
queues.runs.on("error", () => undefined);
queues.beat.on("error", () => undefined);

const metrics = createMetrics({ queues });
const app = createApp({ config, logger, db, redis, queues, metrics, telemetry: tracing?.telemetry, registry });
const server = app.listen(config.PORT, config.HOST, () => {
  const { port } = server.address() as AddressInfo;
  logger.info("api listening", { host: config.HOST, port, authMode: config.AUTH_MODE });
});
// Credentials may live in Postgres only, so a missing one is a warning, not a refusal to start.
if (config.AUTH_MODE === "required" && config.API_TOKENS.length === 0) {
  hasActiveApiKey(db).then(
    (any) => {
      if (!any)
        logger.warn("no API credentials: create a key with `npx switchyard keys create --name ops --scopes admin`");
    },
    () => undefined,
  );
}
if (config.SECRET_KEY === undefined && config.NODE_ENV === "production") {
  logger.warn("SECRET_KEY is not set: webhook secrets cannot be saved (docs/security.md)");
}
server.on("error", (err) => {
  logger.error("api failed to listen", { err });
  process.exit(1);
});

onShutdown(logger, 30_000, async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await closeQueues(queues);
  redis.disconnect();
  await db.$disconnect();
  await tracing?.shutdown();
});
