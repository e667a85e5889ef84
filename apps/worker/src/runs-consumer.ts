import { Worker, type Job, type Telemetry } from "bullmq";
import type { RedisConnection } from "@switchyard/core/redis";
import type { Logger } from "@switchyard/core/logger";
import { settlesWithin } from "@switchyard/core/process/settles-within";

export type Processor = (job: Job, token?: string, signal?: AbortSignal) => Promise<unknown>;

/**
 * Stalled-job recovery: a job whose worker died is moved back to waiting once its lock expires (lockDuration) at the
 * next check (stalledInterval), within about 20 s. That matters for a run whose job a worker took just before dying,
 * before the run started (a pending run has no lease to expire). A redelivered job never executes a run twice (its
 * start is a guarded pending → running; a running run's takeover is the lease sweeper's, with a job of its own) and
 * never fails one (a job failing only ends the job): a few redeliveries are allowed before BullMQ gives it up, and a
 * run whose job was given up is enqueued again by the reconciler.
 */
const STALLED_OPTIONS = { lockDuration: 15_000, stalledInterval: 5_000, maxStalledCount: 3 } as const;

/** Bound on closing a consumer the watchdog replaces: its connection may be the thing that is stuck. */
const REPLACE_CLOSE_MS = 5_000;

/** A runs queue's BullMQ Worker, replaceable: the watchdog swaps in a new one (on a new connection) when stuck. */
export type RunsConsumer = {
  current: () => Worker;
  /** Jobs being processed by this process right now. */
  activeJobs: () => number;
  /** Last time (ms) a job started or finished here, or the consumer was (re)created. */
  lastActivityAt: () => number;
  /** Is the consumer's connection up? */
  isConnected: () => boolean;
  replace: () => Promise<void>;
  /** Stops taking jobs and waits for the active ones to finish. */
  close: () => Promise<void>;
};

export async function createRunsConsumer(opts: {
  /** The BullMQ queue (`bullQueueName` of a routing queue). */
  queue: string;
  connection: RedisConnection;
  prefix: string;
  concurrency: number;
  name: string;
  logger: Logger;
  /** BullMQ's tracing hooks, when tracing is on. */
  telemetry?: Telemetry;
  processor: Processor;
}): Promise<RunsConsumer> {
  const { logger } = opts;
  let active = 0;
  let lastActivity = Date.now();
  const processor: Processor = async (job, token, signal) => {
    active++;
    lastActivity = Date.now();
    try {
      return await opts.processor(job, token, signal);
    } finally {
      active--;
      lastActivity = Date.now();
    }
  };
  const start = async (connection: RedisConnection) => {
    const worker = new Worker(opts.queue, processor, {
      connection,
      prefix: opts.prefix,
      concurrency: opts.concurrency,
      name: opts.name,
      ...STALLED_OPTIONS,
      ...(opts.telemetry !== undefined && { telemetry: opts.telemetry }),
    });
    worker.on("failed", (job, err) => {
      logger.warn("job failed", {
        jobId: job?.id,
        queue: opts.queue,
        attemptsMade: job?.attemptsMade,
        error: err.message,
      });
    });
    worker.on("error", (err) => logger.error("worker error", { queue: opts.queue, error: err.message }));
    await worker.waitUntilReady();
    return worker;
  };
  let connection = opts.connection;
  let worker = await start(connection);
  return {
    current: () => worker,
    activeJobs: () => active,
    lastActivityAt: () => lastActivity,
    isConnected: () => connection.status === "ready",
    replace: async () => {
      const old = worker;
      const oldConnection = connection;
      if (!(await settlesWithin(old.close(), REPLACE_CLOSE_MS))) logger.warn("stuck consumer did not close in time");
      connection = oldConnection.duplicate();
      if (oldConnection !== opts.connection) oldConnection.disconnect();
      worker = await start(connection);
      lastActivity = Date.now();
    },
    close: async () => {
      await worker.close();
      if (connection !== opts.connection) connection.disconnect();
    },
  };
}
