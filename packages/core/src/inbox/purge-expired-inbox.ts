import type { Deps } from "../deps";

/**
 * One batch: up to $2 entries received before $1, locked with SKIP LOCKED (a second beat takes other rows) and
 * deleted in the same statement, through the received_at index.
 */
const PURGE_INBOX_SQL = `DELETE FROM webhook_inbox WHERE id IN (
       SELECT id FROM webhook_inbox WHERE received_at < $1::timestamptz ORDER BY received_at LIMIT $2
       FOR UPDATE SKIP LOCKED)`;

/**
 * The beat's inbox retention: deletes the entries received more than INBOX_RETENTION_DAYS ago, in batches of
 * RETENTION_BATCH_SIZE, at most RETENTION_MAX_BATCHES per pass (the rest is left to the next pass). Returns how
 * many were deleted.
 */
export async function purgeExpiredInbox(
  deps: Pick<Deps, "db" | "logger" | "config">,
  now: Date = new Date(),
): Promise<number> {
  const { INBOX_RETENTION_DAYS, RETENTION_BATCH_SIZE, RETENTION_MAX_BATCHES } = deps.config;
  const cutoff = new Date(now.getTime() - INBOX_RETENTION_DAYS * 86_400_000).toISOString();
  let deleted = 0;
  for (let batch = 0; batch < RETENTION_MAX_BATCHES; batch++) {
    const { rowCount } = await deps.db.pool.query(PURGE_INBOX_SQL, [cutoff, RETENTION_BATCH_SIZE]);
    deleted += rowCount ?? 0;
    if ((rowCount ?? 0) < RETENTION_BATCH_SIZE) break;
  }
  deps.logger.log(deleted > 0 ? "info" : "debug", "retention purged inbox entries", { deleted });
  return deleted;
}
