import { hostname } from "node:os";
import { DelayedError, type Job } from "bullmq";
import type { RedisConnection } from "@switchyard/core/redis";
import type { Deps } from "@switchyard/core/deps";
import { JOBS, QUEUES, parseJobPayload, type JobName, type JobPayload } from "@switchyard/core/jobs/catalog";
import type { NodeRegistry } from "@switchyard/core/engine/node-registry";
import { createConfiguredNodeRegistry } from "@switchyard/core/process/boot-node-registry";
import { executeRun, type RunExecutionDeps } from "@switchyard/core/runs/execute-run";
import { executeWithWoken } from "@switchyard/core/flow/execute-with-woken";
import { createFlowBatchers } from "@switchyard/core/flow/flow-batchers";
import { createChildSettler } from "@switchyard/core/runs/child-runs";
import { createRunAborts, subscribeRunCancels } from "@switchyard/core/runs/run-cancellation";
import { createTransitionBatcher } from "@switchyard/core/runs/transition-batcher";
import { publishingTransitions } from "@switchyard/core/run-events/run-change-publisher";
import { observeRuns } from "@switchyard/core/observability/observe-run";
import { recordStepSpan } from "@switchyard/core/observability/trace-spans";
import { createActiveRuns, RunHandOver } from "@switchyard/core/runs/active-runs";
import { settlesWithin } from "@switchyard/core/process/settles-within";
import { removeWorker } from "@switchyard/core/workers/record-heartbeat";
import { startWorkerHeartbeat } from "@switchyard/core/workers/start-worker-heartbeat";
import { engineLimitsFrom } from "@switchyard/core/engine/engine-limits";
import { createRunsConsumer, type RunsConsumer } from "./runs-consumer";
import { bullQueueName } from "@switchyard/core/jobs/run-route";
import { startConsumerWatchdog } from "./consumer-watchdog";
import { errorMessage } from "@switchyard/core/errors";
import { createVersionCache } from "@switchyard/core/runs/version-cache";
import { pokingTransitions, startDeliveryRelay } from "@switchyard/core/subscriptions/delivery-relay";

export type WorkerDeps = Deps & {
  /** Blocking BullMQ connection (role "worker": retries forever while Redis is away). */
  workerRedis: RedisConnection;
  registry?: NodeRegistry;
  /** The port its metrics listener got, shown in the workers registry. */
  metricsPort?: number | null;
};

/** The jobs of the runs queue, from the catalog: adding one there without a handler here fails typecheck. */
type RunsJobName = { [N in JobName]: (typeof JOBS)[N]["queue"] extends typeof QUEUES.runs ? N : never }[JobName];

type Handlers = {
  [N in RunsJobName]: (payload: JobPayload<N>, job: Job, token?: string, signal?: AbortSignal) => Promise<unknown>;
};

/** Floor of a postponement, so clocks that disagree by a little cannot make a job spin. */
const MIN_POSTPONE_MS = 100;

export type RunsWorker = {
  workerId: string;
  /** The consumer of the first queue in WORKER_QUEUES. */
  consumer: RunsConsumer;
  /** One consumer per queue in WORKER_QUEUES, in that order. */
  consumers: { queue: string; consumer: RunsConsumer }[];
  /**
   * Graceful stop: takes no new jobs, lets active runs finish for up to `deadlineMs` (WORKER_SHUTDOWN_TIMEOUT),
   * then hands the rest back to pending at once, and leaves the workers registry.
   */
  close: (deadlineMs?: number) => Promise<void>;
};

/** After the hand-over, the runs' handlers return within this (they only write their hand-over). */
const HAND_OVER_WAIT_MS = 10_000;

/** The BullMQ worker of the runs queue. Resolves once it is connected and taking jobs. */
export async function createWorker(deps: WorkerDeps): Promise<RunsWorker> {
  const { config, logger } = deps;
  const workerId = config.WORKER_ID ?? `${hostname()}-${process.pid}`;
  const registry = deps.registry ?? createConfiguredNodeRegistry(config, logger);
  const aborts = createRunAborts();
  const active = createActiveRuns();
  // A subscribed connection takes no other commands: cancels get one of their own.
  const subscriber = deps.workerRedis.duplicate();
  await subscribeRunCancels(subscriber, config.QUEUE_PREFIX, aborts, logger);
  const { changes } = deps;
  // Outgoing run events: sent beside run execution, with a concurrency of their own (docs/outgoing-events.md).
  const relay = await startDeliveryRelay(deps);
  const execution: RunExecutionDeps = {
    db: deps.db,
    logger,
    aborts,
    queues: deps.queues,
    versions: createVersionCache(deps.db, registry),
    dbRetryMaxMs: config.DATABASE_RETRY_MAX_SECONDS * 1_000,
    lease: { owner: workerId, seconds: config.RUN_LEASE_SECONDS },
    active,
    // Every applied start and outcome is announced to the API processes: one PUBLISH per batch (run event streams,
    // waiting webhook deliveries).
    transitions: pokingTransitions(publishingTransitions(createTransitionBatcher(deps.db), changes), relay),
    flow: createFlowBatchers(deps.db),
    changes,
    limits: engineLimitsFrom(config),
    ...(config.RUN_TIMEOUT_SECONDS !== undefined && { runTimeoutSeconds: config.RUN_TIMEOUT_SECONDS }),
    metrics: deps.metrics,
    ...(deps.telemetry !== undefined && { traceStep: recordStepSpan }),
    childRuns: {
      db: deps.db,
      logger,
      queues: deps.queues,
      cancels: { redis: deps.redis, prefix: config.QUEUE_PREFIX },
      maxDepth: config.MAX_RUN_DEPTH,
      maxItems: config.MAP_MAX_ITEMS,
      settle: createChildSettler(deps),
      changes,
    },
  };
  const execute = observeRuns(executeRun, deps.metrics, deps.telemetry !== undefined);
  let stopping = false;
  const handlers: Handlers = {
    execute_run: async (payload, job, token, signal) => {
      const run = {
        runId: payload.run_id,
        jobId: job.id ?? "",
        resume: payload.resume === true,
        signal,
        postpone: (until: Date) => job.moveToDelayed(Math.max(until.getTime(), Date.now() + MIN_POSTPONE_MS), token),
      };
      // The runs a finished run's concurrency slot wakes start in this job, until the worker closes.
      const result = await executeWithWoken((j) => execute(execution, j), run, {
        queues: deps.queues,
        logger,
        accepting: () => !stopping,
      });
      // The job now waits in the delayed set: BullMQ must neither complete nor fail it.
      if (result === "postponed") throw new DelayedError();
      return result;
    },
  };

  const processor = async (job: Job, token?: string, signal?: AbortSignal) => {
    if (!isRunsJob(job.name)) throw new Error(`no handler for job '${job.name}' on queue ${job.queueName}`);
    const name = job.name;
    return handlers[name](parseJobPayload(name, job.data), job, token, signal);
  };
  const shares = concurrencyShares(config.WORKER_CONCURRENCY, config.WORKER_QUEUES);
  const consumers = await Promise.all(
    shares.map(async ({ queue, concurrency }) => ({
      queue,
      concurrency,
      consumer: await createRunsConsumer({
        queue: bullQueueName(queue),
        connection: deps.workerRedis,
        prefix: config.QUEUE_PREFIX,
        concurrency,
        name: workerId,
        logger,
        ...(deps.telemetry !== undefined && { telemetry: deps.telemetry }),
        processor,
      }),
    })),
  );
  const identity = {
    id: workerId,
    host: hostname(),
    pid: process.pid,
    concurrency: config.WORKER_CONCURRENCY,
    queues: config.WORKER_QUEUES,
    startedAt: new Date(),
    metricsPort: deps.metricsPort ?? null,
  };
  const heartbeat = startWorkerHeartbeat(deps, identity, active);
  const watchdogs = consumers.map(({ queue, concurrency, consumer }) =>
    startConsumerWatchdog({
      consumer,
      queue: deps.queues.runQueue(queue),
      concurrency,
      idleSeconds: config.WORKER_WATCHDOG_SECONDS,
      logger,
    }),
  );
  logger.info("worker started", {
    workerId,
    concurrency: config.WORKER_CONCURRENCY,
    queues: shares.map((s) => `${s.queue}:${s.concurrency}`),
  });
  return {
    workerId,
    consumer: consumers[0]!.consumer,
    consumers: consumers.map(({ queue, consumer }) => ({ queue, consumer })),
    close: async (deadlineMs = config.WORKER_SHUTDOWN_TIMEOUT * 1_000) => {
      stopping = true;
      for (const watchdog of watchdogs) watchdog.stop();
      const closing = Promise.all(consumers.map((c) => c.consumer.close())).then(() => undefined);
      if (!(await settlesWithin(closing, deadlineMs))) {
        const reason = new RunHandOver(
          `worker ${workerId} stopped: shutdown deadline of ${deadlineMs / 1_000} s passed`,
        );
        const count = active.handOverAll(reason);
        logger.warn("shutdown deadline passed, handing active runs back", { workerId, count });
        if (!(await settlesWithin(closing, HAND_OVER_WAIT_MS))) logger.warn("runs still active after the hand-over");
      }
      await heartbeat.stop();
      await relay.close();
      await changes.flush();
      try {
        await removeWorker(deps.db, workerId);
      } catch (err) {
        logger.warn("worker not removed from the registry", { workerId, error: errorMessage(err) });
      }
      subscriber.disconnect();
    },
  };
}

/**
 * WORKER_CONCURRENCY split over the queues, as evenly as it goes (the first queues get the remainder), at least
 * one slot each: a BullMQ Worker per queue, each fetching only as many jobs as its share, so the process never runs
 * more than the budget (or one per queue, when there are more queues than slots) and a queue with a backlog
 * cannot take the slots of another.
 */
export function concurrencyShares(concurrency: number, queues: readonly string[]) {
  const base = Math.floor(concurrency / queues.length);
  const extra = concurrency % queues.length;
  return queues.map((queue, i) => ({ queue, concurrency: Math.max(1, base + (i < extra ? 1 : 0)) }));
}

function isRunsJob(name: string): name is RunsJobName {
  return name in JOBS && JOBS[name as JobName].queue === QUEUES.runs;
}
