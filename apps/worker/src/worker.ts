import { hostname } from "node:os";
import { DelayedError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Deps } from "@switchyard/core/deps";
import { JOBS, QUEUES, parseJobPayload, type JobName, type JobPayload } from "@switchyard/core/jobs/catalog";
import { createNodeRegistry, type NodeRegistry } from "@switchyard/core/engine/node-registry";
import { executeRun, type RunExecutionDeps } from "@switchyard/core/runs/execute-run";
import { createRunAborts, subscribeRunCancels } from "@switchyard/core/runs/run-cancellation";
import { createVersionCache } from "@switchyard/core/runs/execute-version-cache";
import { observeRuns } from "@switchyard/core/observability/observe-run";
import { recordStepSpan } from "@switchyard/core/observability/trace-spans";

export type WorkerDeps = Deps & {
  /** Blocking BullMQ connection (role "worker": retries forever while Redis is away). */
  workerRedis: Redis;
  registry?: NodeRegistry;
};

/** The jobs of the runs queue, from the catalog: adding one there without a handler here fails typecheck. */
type RunsJobName = { [N in JobName]: (typeof JOBS)[N]["queue"] extends typeof QUEUES.runs ? N : never }[JobName];

type Handlers = {
  [N in RunsJobName]: (payload: JobPayload<N>, job: Job, token?: string, signal?: AbortSignal) => Promise<unknown>;
};

/** Floor of a postponement, so clocks that disagree by a little cannot make a job spin. */
const MIN_POSTPONE_MS = 100;

export type RunsWorker = { workerId: string; worker: Worker; close: () => Promise<void> };

/** The BullMQ worker of the runs queue. Resolves once it is connected and taking jobs. */
export async function createWorker(deps: WorkerDeps): Promise<RunsWorker> {
  const { config, logger } = deps;
  const workerId = config.WORKER_ID ?? `${hostname()}-${process.pid}`;
  const registry = deps.registry ?? createNodeRegistry();
  const aborts = createRunAborts();
  // A subscribed connection takes no other commands: cancels get one of their own.
  const subscriber = deps.workerRedis.duplicate();
  await subscribeRunCancels(subscriber, config.QUEUE_PREFIX, aborts, logger);
  const execution: RunExecutionDeps = {
    db: deps.db,
    logger,
    aborts,
    queues: deps.queues,
    versions: createVersionCache(deps.db, registry),
    dbRetryMaxMs: config.DATABASE_RETRY_MAX_SECONDS * 1_000,
    ...(config.RUN_TIMEOUT_SECONDS !== undefined && { runTimeoutSeconds: config.RUN_TIMEOUT_SECONDS }),
    metrics: deps.metrics,
    ...(deps.telemetry !== undefined && { traceStep: recordStepSpan }),
  };
  const execute = observeRuns(executeRun, deps.metrics, deps.telemetry !== undefined);
  const handlers: Handlers = {
    execute_run: async (payload, job, token, signal) => {
      const result = await execute(execution, {
        runId: payload.run_id,
        jobId: job.id ?? "",
        resume: payload.resume === true,
        signal,
        postpone: (until) => job.moveToDelayed(Math.max(until.getTime(), Date.now() + MIN_POSTPONE_MS), token),
      });
      // The job now waits in the delayed set: BullMQ must neither complete nor fail it.
      if (result === "postponed") throw new DelayedError();
      return result;
    },
  };

  const worker = new Worker(
    QUEUES.runs,
    async (job: Job, token?: string, signal?: AbortSignal) => {
      if (!isRunsJob(job.name)) throw new Error(`no handler for job '${job.name}' on queue ${QUEUES.runs}`);
      const name = job.name;
      return handlers[name](parseJobPayload(name, job.data), job, token, signal);
    },
    {
      connection: deps.workerRedis,
      prefix: config.QUEUE_PREFIX,
      concurrency: config.WORKER_CONCURRENCY,
      name: workerId,
      ...(deps.telemetry !== undefined && { telemetry: deps.telemetry }),
    },
  );
  worker.on("failed", (job, err) => {
    logger.warn("job failed", { jobId: job?.id, attemptsMade: job?.attemptsMade, error: err.message });
  });
  worker.on("error", (err) => logger.error("worker error", { error: err.message }));
  await worker.waitUntilReady();
  logger.info("worker started", { workerId, concurrency: config.WORKER_CONCURRENCY, queue: QUEUES.runs });
  return {
    workerId,
    worker,
    // Stops taking jobs and waits for the active ones to finish.
    close: async () => {
      await worker.close();
      subscriber.disconnect();
    },
  };
}

function isRunsJob(name: string): name is RunsJobName {
  return name in JOBS && JOBS[name as JobName].queue === QUEUES.runs;
}
