import { parseConfig } from "@switchyard/core/config";
import { createDb } from "@switchyard/core/db";
import { closeQueues, createQueues } from "@switchyard/core/jobs/queues";
import { createLogger } from "@switchyard/core/logger";
import { createMetrics } from "@switchyard/core/observability/metrics";
import { createRedis } from "@switchyard/core/redis";
import { createApp } from "../../../../apps/api/src/app";
import { listAppRoutes } from "../../../../apps/api/src/openapi/list-app-routes";

/**
 * Whether the API serves `GET /api/runs/{id}/events` itself. Until it does, tests reach that route through
 * `startRunEventsProxy`, and the tests that need the API's own stream (an API process restarted mid-stream) are
 * skipped; they run as soon as the route exists. The app is built, never served: nothing is queried.
 */
export async function hasRunEventsRoute(): Promise<boolean> {
  const config = parseConfig({ NODE_ENV: "test", LOG_LEVEL: "error" });
  const redis = createRedis(config.REDIS_URL, "producer", { lazyConnect: true });
  const queues = createQueues(redis, `syt-routes-${process.pid}`);
  const db = createDb(config);
  try {
    const app = createApp({
      config,
      logger: createLogger("test", config),
      db,
      redis,
      queues,
      metrics: createMetrics(),
    });
    return listAppRoutes(app).some((r) => r.method === "GET" && /^\/api\/runs\/:[^/]+\/events$/.test(r.path));
  } finally {
    await closeQueues(queues);
    redis.disconnect();
    await db.$disconnect();
  }
}
