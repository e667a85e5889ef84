import type { RedisConnection } from "./redis";
import type { Config } from "./config";
import type { Db } from "./db";
import type { Logger } from "./logger";
import type { Queues } from "./jobs/queues";
import type { Metrics } from "./observability/metrics";
import type { Telemetry } from "bullmq";
import type { RunChangePublisher } from "./run-events/run-change-publisher";

/** What every process builds once in its main.ts and passes down. No module-level singletons. */
export type Deps = {
  config: Config;
  logger: Logger;
  db: Db;
  /** Producer connection: fails fast while Redis is down. */
  redis: RedisConnection;
  queues: Queues;
  /** This process's Prometheus registry and recorders (docs/observability.md). */
  metrics: Metrics;
  /**
   * Announces the runs this process created or changed, after their commit (run event streams, waiting webhook
   * deliveries): one PUBLISH per turn of the event loop. The worker's batched transitions go through it too.
   */
  changes: RunChangePublisher;
  /** BullMQ telemetry when tracing is on (OTEL_EXPORTER_OTLP_ENDPOINT); absent otherwise. */
  telemetry?: Telemetry;
};
