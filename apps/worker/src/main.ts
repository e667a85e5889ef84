import { createRedis } from "@switchyard/core/redis";
import { onShutdown } from "@switchyard/core/process/lifecycle";
import { createProcessDeps } from "@switchyard/core/process/process-deps";
import { createWorker } from "./worker";

const deps = await createProcessDeps("worker", {
  // The runs in flight share their start and finish statements (one of each at a time), so most of a worker's
  // statements are a few batches; the rest (a side-effect node's step, a retry's checkpoints) are one run's each.
  // A quarter as many connections as runs keeps those from queueing without crowding Postgres's connection limit.
  poolSize: (config) => Math.max(config.DATABASE_POOL_SIZE, Math.ceil(config.WORKER_CONCURRENCY / 4)),
  checkEviction: true,
  plugins: true,
  tracing: true,
  // Each instance on a host listens on METRICS_PORT + METRICS_PORT_OFFSET (the systemd unit sets the offset).
  metricsPort: (config) => (config.METRICS_PORT === 0 ? 0 : config.METRICS_PORT + config.METRICS_PORT_OFFSET),
});
const { logger } = deps;
// http.request's client loads here rather than at a run's first call, where its load time (a few hundred ms on a
// busy host) would count against that run's timeouts.
await import("undici");
const workerRedis = deps.adopt(createRedis(deps.config, "worker"));
const runsWorker = await createWorker({ ...deps, workerRedis });

// The forced-exit backstop: WORKER_SHUTDOWN_TIMEOUT (at most 45 s) plus the hand-over stay within it.
onShutdown(logger, 60_000, async () => {
  await runsWorker.close();
  await deps.close();
});
