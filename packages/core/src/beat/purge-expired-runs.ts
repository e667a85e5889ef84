import type { Deps } from "../deps";
import type { GlobalRetention } from "../workflows/retention-policy";

export type PurgeOptions = {
  /** The clock: a run is expired when its completed_at is older than now minus its window. */
  now: Date;
  retention: GlobalRetention;
  /** Runs deleted per statement (one short transaction each). */
  batchSize: number;
  /** Statements per pass: a huge backlog is worked off over several passes instead of one long one. */
  maxBatches: number;
};

export type PurgeResult = {
  deleted: number;
  byStatus: { succeeded: number; failed: number; cancelled: number };
  batches: number;
  /** true when the pass stopped at maxBatches with expired runs possibly left. */
  truncated: boolean;
};

/**
 * One batch: up to $4 expired terminal runs, locked with SKIP LOCKED (a second beat takes other rows instead of
 * waiting) and deleted in the same statement; their steps and audit entries go by ON DELETE CASCADE.
 *
 * For each workflow and terminal status, a lateral probe of runs_retention_idx (workflow_id, status,
 * completed_at) WHERE terminal: the cutoff depends only on the workflow and the status, so every row the index
 * returns is expired and a batch reads no more rows than it deletes. The explicit status list lets the planner
 * use the partial index. The windows follow effectiveRetention (retention-policy.ts).
 */
const PURGE_BATCH_SQL = `
WITH doomed AS (
  SELECT d.id
  FROM workflows w
  CROSS JOIN (VALUES ('succeeded'), ('failed'), ('cancelled')) AS s(status)
  CROSS JOIN LATERAL (
    SELECT r.id FROM runs r
    WHERE r.workflow_id = w.id
      AND r.status = s.status
      AND r.status IN ('succeeded', 'failed', 'cancelled')
      AND r.completed_at < $1::timestamptz - make_interval(days => CASE
        WHEN s.status = 'failed' THEN COALESCE(w.retention_days_failed, w.retention_days, $3::int, $2::int)
        ELSE COALESCE(w.retention_days, $2::int)
      END)
    LIMIT $4
    FOR UPDATE OF r SKIP LOCKED
  ) d
  LIMIT $4
), gone AS (
  DELETE FROM runs WHERE id IN (SELECT id FROM doomed)
  RETURNING id, status
), groups AS (
  -- A purged parent's child groups (its children are runs of their own, purged by their own retention).
  DELETE FROM run_child_groups WHERE parent_run_id IN (SELECT id FROM gone)
)
SELECT status FROM gone`;

/**
 * Deletes terminal runs (succeeded, failed, cancelled) whose completed_at is past their retention window, in
 * batches. Pending, running and waiting runs are never touched, whatever their age. Safe with several beats at
 * once: rows another beat holds are skipped, and a run is deleted at most once.
 */
export async function purgeExpiredRuns(deps: Pick<Deps, "db">, options: PurgeOptions): Promise<PurgeResult> {
  const result: PurgeResult = {
    deleted: 0,
    byStatus: { succeeded: 0, failed: 0, cancelled: 0 },
    batches: 0,
    truncated: false,
  };
  const { RUN_RETENTION_DAYS, RUN_RETENTION_DAYS_FAILED } = options.retention;
  while (result.batches < options.maxBatches) {
    const { rows } = await deps.db.pool.query<{ status: keyof PurgeResult["byStatus"] }>(PURGE_BATCH_SQL, [
      options.now.toISOString(),
      RUN_RETENTION_DAYS,
      RUN_RETENTION_DAYS_FAILED ?? null,
      options.batchSize,
    ]);
    result.batches++;
    result.deleted += rows.length;
    for (const { status } of rows) result.byStatus[status]++;
    if (rows.length < options.batchSize) return result;
  }
  result.truncated = true;
  return result;
}

/** The beat's retention pass: one purge, logged with its counts. */
export function createRetentionPass(deps: Pick<Deps, "db" | "logger" | "config">) {
  const { config, logger } = deps;
  return async (now = new Date()): Promise<PurgeResult> => {
    const startedAt = Date.now();
    const result = await purgeExpiredRuns(deps, {
      now,
      retention: config,
      batchSize: config.RETENTION_BATCH_SIZE,
      maxBatches: config.RETENTION_MAX_BATCHES,
    });
    // A pass with nothing to delete is routine; one that deleted runs is worth a line.
    logger.log(result.deleted > 0 ? "info" : "debug", "retention purged runs", {
      deleted: result.deleted,
      ...result.byStatus,
      batches: result.batches,
      truncated: result.truncated,
      durationMs: Date.now() - startedAt,
    });
    return result;
  };
}
