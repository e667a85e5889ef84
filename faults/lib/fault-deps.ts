import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { parseConfig } from "@switchyard/core/config";
import { createDb } from "@switchyard/core/db";
import type { Deps } from "@switchyard/core/deps";
import { closeQueues, createQueues } from "@switchyard/core/jobs/queues";
import { createLogger } from "@switchyard/core/logger";
import { createMetrics } from "@switchyard/core/observability/metrics";
import { createRunChangePublisher } from "@switchyard/core/run-events/run-change-publisher";
import { createRedis } from "@switchyard/core/redis";
import { deleteKeys } from "@switchyard/core/testing/test-deps";
import { createApp } from "../../apps/api/src/app";

export type FaultDeps = Deps & {
  /** Environment for spawned api / worker / beat processes sharing this database and prefix. */
  env: Record<string, string>;
  close: () => Promise<void>;
};

/**
 * Deps over the given servers (a private Postgres or Redis a case may stop), under a key prefix of its own. Unlike
 * createTestDeps it neither waits for Redis (it may be down on purpose) nor creates a database.
 */
export function createFaultDeps(
  urls: { databaseUrl: string; redisUrl: string },
  extra: Record<string, string> = {},
): FaultDeps {
  const prefix = `syf-${randomBytes(5).toString("hex")}`;
  const env: Record<string, string> = {
    DATABASE_URL: urls.databaseUrl,
    REDIS_URL: urls.redisUrl,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "error",
    NODE_ENV: "test",
    SECRET_KEY: randomBytes(32).toString("base64url"),
    ...extra,
  };
  const config = parseConfig(env);
  const logger = createLogger("fault", config);
  const db = createDb(config);
  const redis = createRedis(config, "producer");
  redis.on("error", () => undefined);
  const queues = createQueues(redis, config.QUEUE_PREFIX);
  queues.runs.on("error", () => undefined);
  queues.beat.on("error", () => undefined);
  return {
    config,
    logger,
    db,
    redis,
    queues,
    metrics: createMetrics({ queues }),
    changes: createRunChangePublisher(redis, config.QUEUE_PREFIX, logger),
    env,
    close: async () => {
      await closeQueues(queues).catch(() => undefined);
      if (redis.status === "ready") await deleteKeys(redis, `${config.QUEUE_PREFIX}:*`).catch(() => undefined);
      redis.disconnect();
      await db.$disconnect().catch(() => undefined);
    },
  };
}

/** The API in-process on port 0 over `deps`. */
export async function listenApi(deps: Deps): Promise<{ url: string; close: () => Promise<void> }> {
  const app = createApp(deps);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A workflow with one version of `graph`, written straight to Postgres. */
export async function createWorkflow(db: Deps["db"], graph: unknown, name = "fault case") {
  const workflow = await db.workflow.create({ data: { name } });
  const version = await db.workflowVersion.create({
    data: { workflowId: workflow.id, version: 1, graph: graph as object },
  });
  return { workflowId: workflow.id, versionId: version.id };
}

/** Per-run figures read from Postgres: terminal statuses and how many runs were started more than once. */
export async function runFigures(db: Deps["db"], runIds: readonly string[]) {
  const rows = await db.$queryRawUnsafe<
    { id: string; status: string; error: string | null; starts: number; dup_steps: number }[]
  >(
    `SELECT r.id::text AS id, r.status, r.error,
            (SELECT count(*)::int FROM run_audit_entries a WHERE a.run_id = r.id AND a.action = 'run_started') AS starts,
            (SELECT count(*)::int FROM (SELECT node_id FROM run_steps s WHERE s.run_id = r.id
                                        GROUP BY node_id, attempt HAVING count(*) > 1) d) AS dup_steps
     FROM runs r WHERE r.id = ANY($1::uuid[])`,
    runIds,
  );
  const terminal = rows.filter((r) => ["succeeded", "failed", "cancelled"].includes(r.status));
  return {
    rows,
    terminal: terminal.length,
    succeeded: rows.filter((r) => r.status === "succeeded").length,
    executedTwice: rows.filter((r) => r.starts > 1 || r.dup_steps > 0).length,
  };
}
