import { Worker, type Job } from "bullmq";
import type { Deps } from "@switchyard/core/deps";
import { QUEUES, parseJobPayload, type JOBS, type JobName } from "@switchyard/core/jobs/catalog";
import { createRedis } from "@switchyard/core/redis";
import { startPeriodicTasks, type PeriodicTask } from "@switchyard/core/periodic-tasks";
import { createReconciler } from "@switchyard/core/beat/reconcile-runs";
import { createRetentionPass } from "@switchyard/core/beat/purge-expired-runs";
import { purgeExpiredInbox } from "@switchyard/core/inbox/purge-expired-inbox";
import { purgeExpiredDeliveries } from "@switchyard/core/subscriptions/purge-expired-deliveries";
import { requestCronDispatch } from "@switchyard/core/beat/request-cron-dispatch";
import {
  CRON_SCHEDULER_ID,
  ensureCronScheduler,
  upsertCronScheduler,
} from "@switchyard/core/beat/upsert-cron-scheduler";
import { sweepExpiredLeases } from "@switchyard/core/runs/sweep-expired-leases";
import { settlesWithin } from "@switchyard/core/process/settles-within";
import { pruneDeadWorkers } from "@switchyard/core/workers/record-heartbeat";
import { raiseMissedCronOccurrences } from "@switchyard/core/triggers/cron/raise-missed-cron-occurrences";

export type Beat = { stop: () => Promise<void> };

/** A hung API must not hold the beat's only job slot for long; the next tick asks again. */
const CRON_DISPATCH_TIMEOUT_MS = 10_000;

type BeatJobName = { [N in JobName]: (typeof JOBS)[N]["queue"] extends typeof QUEUES.beat ? N : never }[JobName];

/**
 * The beat: keeps the cron job scheduler in Redis, processes its `cron_dispatch` jobs by calling the API, and runs
 * the periodic tasks (the reconciler, the retention purge). Any number of beats may run: the scheduler id is shared,
 * run enqueues are idempotent by job id, the API decides cron exactly-once in Postgres, and the purge skips rows
 * another beat holds.
 */
export function startBeat(deps: Deps): Beat {
  const { config, logger } = deps;

  const handlers: { [N in BeatJobName]: (job: Job) => Promise<unknown> } = {
    cron_dispatch: async (job) => {
      parseJobPayload("cron_dispatch", job.data);
      try {
        const { created } = await requestCronDispatch(config, CRON_DISPATCH_TIMEOUT_MS);
        // Every tick would flood the log at info; a tick that creates runs is worth a line.
        logger.log(created > 0 ? "info" : "debug", "cron dispatch", { created, jobId: job.id });
        return { created };
      } catch (err) {
        logger.warn("cron dispatch failed", { jobId: job.id, err: err instanceof Error ? err.message : String(err) });
        throw err;
      }
    },
  };

  // Blocking consumers need a connection that retries forever; the queues' producer connection fails fast.
  const workerConnection = createRedis(config, "worker");
  workerConnection.on("error", (err: Error) => logger.warn("redis connection error", { err: err.message }));
  const worker = new Worker(
    QUEUES.beat,
    async (job: Job) => {
      const handler = handlers[job.name as BeatJobName] as ((job: Job) => Promise<unknown>) | undefined;
      if (handler === undefined) throw new Error(`no handler for job ${job.name}`);
      return handler(job);
    },
    { connection: workerConnection, prefix: config.QUEUE_PREFIX, concurrency: 1 },
  );
  // An EventEmitter 'error' without a listener would crash the process; Redis hiccups are expected.
  worker.on("error", (err) => logger.warn("beat worker error", { err: err.message }));

  const reconciler = createReconciler(deps, { afterSeconds: config.RECONCILE_AFTER_SECONDS });
  const purgeExpiredRuns = createRetentionPass(deps);
  // The seam for further periodic duties (delayed-run scheduling, ...): one entry each.
  const tasks: PeriodicTask[] = [
    {
      name: "cron-scheduler",
      intervalMs: config.SCHEDULER_REFRESH_SECONDS * 1_000,
      run: () => upsertCronScheduler(deps.queues, config),
    },
    {
      name: "reconciler",
      intervalMs: config.RECONCILE_INTERVAL_SECONDS * 1_000,
      run: async () => {
        if (await ensureCronScheduler(deps.queues, config)) logger.warn("cron scheduler was missing, restored");
        await reconciler.reconcile();
      },
    },
    {
      // Workers sweep too; the beat's sweep covers a deployment whose workers are all gone.
      name: "lease-sweeper",
      intervalMs: config.RUN_LEASE_HEARTBEAT_SECONDS * 1_000,
      run: async () => {
        await sweepExpiredLeases(deps, { maxCrashRecoveries: config.MAX_CRASH_RECOVERIES, actor: "beat" });
        await pruneDeadWorkers(deps.db);
      },
    },
    {
      // The dead-man's switch: each missed occurrence is raised once, whatever number of beats run this.
      name: "cron-expect",
      intervalMs: config.CRON_DISPATCH_INTERVAL * 1_000,
      run: async () => {
        await raiseMissedCronOccurrences(deps, new Date());
        logger.debug("cron expectations checked");
      },
    },
    {
      name: "retention",
      intervalMs: config.RETENTION_INTERVAL_SECONDS * 1_000,
      run: async () => {
        await purgeExpiredRuns();
        await purgeExpiredInbox(deps);
        await purgeExpiredDeliveries(deps);
      },
    },
  ];
  const periodic = startPeriodicTasks(tasks, logger);
  logger.info("beat started", {
    schedulerId: CRON_SCHEDULER_ID,
    cronDispatchIntervalSeconds: config.CRON_DISPATCH_INTERVAL,
    tasks: tasks.map((t) => t.name),
  });

  return {
    stop: async () => {
      // While Redis is down BullMQ calls (a task's, the worker's close) wait for the connection indefinitely.
      // Nothing a beat does is lost by leaving them (the next beat repeats it), so each wait is bounded.
      if (!(await settlesWithin(periodic.stop(), STOP_WAIT_MS))) logger.warn("periodic tasks still running at stop");
      if (!(await settlesWithin(worker.close(), STOP_WAIT_MS))) logger.warn("beat worker did not close in time");
      workerConnection.disconnect();
    },
  };
}

const STOP_WAIT_MS = 5_000;
