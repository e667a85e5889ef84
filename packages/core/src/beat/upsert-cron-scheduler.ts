import type { Config } from "../config";
import { JOBS } from "../jobs/catalog";
import type { Queues } from "../jobs/queues";

/** Shared by every beat: each upsert replaces the same scheduler, so several beats keep one cron tick. */
export const CRON_SCHEDULER_ID = "cron-dispatch";

/**
 * Creates or refreshes the job scheduler that adds a `cron_dispatch` job every CRON_DISPATCH_INTERVAL seconds.
 * Idempotent: an unchanged scheduler keeps its next tick. Calling it periodically re-creates the scheduler after
 * Redis lost its keys (a restart without persistence, a flush), so cron never stays silent.
 */
export async function upsertCronScheduler(
  queues: Pick<Queues, "beat">,
  config: Pick<Config, "CRON_DISPATCH_INTERVAL">,
): Promise<void> {
  await queues.beat.upsertJobScheduler(
    CRON_SCHEDULER_ID,
    { every: config.CRON_DISPATCH_INTERVAL * 1_000 },
    { name: "cron_dispatch", data: {}, opts: JOBS.cron_dispatch.options },
  );
}

/**
 * Checked on every reconcile pass: re-creates the scheduler when Redis lost it (flush, restart without persistence)
 * instead of waiting for the next SCHEDULER_REFRESH_SECONDS refresh. true when it had to.
 */
export async function ensureCronScheduler(
  queues: Pick<Queues, "beat">,
  config: Pick<Config, "CRON_DISPATCH_INTERVAL">,
): Promise<boolean> {
  if ((await queues.beat.getJobScheduler(CRON_SCHEDULER_ID)) !== undefined) return false;
  await upsertCronScheduler(queues, config);
  return true;
}
