import type { Deps } from "../deps";

/**
 * One batch: up to $2 deliveries that finished (delivered or failed) before $1, locked with SKIP LOCKED (a second
 * beat takes other rows) and deleted with their attempts (ON DELETE CASCADE), through the finished index. Pending
 * deliveries are never purged, whatever their age.
 */
const PURGE_DELIVERIES_SQL = `DELETE FROM event_deliveries WHERE id IN (
       SELECT id FROM event_deliveries WHERE status <> 'pending' AND finished_at < $1::timestamptz
       ORDER BY finished_at LIMIT $2 FOR UPDATE SKIP LOCKED)`;

/** Missed cron occurrences raised before $1 (their deliveries are rows of their own). */
const PURGE_CRON_MISSED_SQL = `DELETE FROM cron_missed_occurrences WHERE (workflow_id, scheduled_for) IN (
       SELECT workflow_id, scheduled_for FROM cron_missed_occurrences WHERE raised_at < $1::timestamptz
       ORDER BY raised_at LIMIT $2 FOR UPDATE SKIP LOCKED)`;

type PurgeDeps = Pick<Deps, "db" | "logger" | "config">;

async function purgeInBatches(deps: PurgeDeps, sql: string, cutoff: Date): Promise<number> {
  const { RETENTION_BATCH_SIZE, RETENTION_MAX_BATCHES } = deps.config;
  let deleted = 0;
  for (let batch = 0; batch < RETENTION_MAX_BATCHES; batch++) {
    const { rowCount } = await deps.db.pool.query(sql, [cutoff.toISOString(), RETENTION_BATCH_SIZE]);
    deleted += rowCount ?? 0;
    if ((rowCount ?? 0) < RETENTION_BATCH_SIZE) break;
  }
  return deleted;
}

/**
 * The beat's retention of outgoing events: finished deliveries DELIVERY_RETENTION_DAYS after they finished, and
 * missed cron occurrences CRON_MISSED_RETENTION_DAYS after they were raised, in batches of RETENTION_BATCH_SIZE,
 * at most RETENTION_MAX_BATCHES per pass each (the rest is left to the next pass).
 */
export async function purgeExpiredDeliveries(
  deps: PurgeDeps,
  now: Date = new Date(),
): Promise<{ deliveries: number; cronMissed: number }> {
  const days = (n: number) => new Date(now.getTime() - n * 86_400_000);
  const deliveries = await purgeInBatches(deps, PURGE_DELIVERIES_SQL, days(deps.config.DELIVERY_RETENTION_DAYS));
  const cronMissed = await purgeInBatches(deps, PURGE_CRON_MISSED_SQL, days(deps.config.CRON_MISSED_RETENTION_DAYS));
  deps.logger.log(deliveries + cronMissed > 0 ? "info" : "debug", "retention purged event deliveries", {
    deliveries,
    cronMissed,
  });
  return { deliveries, cronMissed };
}
