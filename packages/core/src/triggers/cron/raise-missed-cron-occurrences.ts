import type { Deps } from "../../deps";
import { queryRows } from "../../db";
import { nextFireTimes } from "./cron-schedule";

export const CRON_MISSED_REASONS = ["not_dispatched", "skipped", "still_running", "failed"] as const;
export type CronMissedReason = (typeof CRON_MISSED_REASONS)[number];

/** A `cron.missed` event: the row that records it (cron_missed_occurrences) is its durable record. */
export type CronMissed = { workflowId: string; scheduledFor: Date; reason: CronMissedReason; runId: string | null };

/** Occurrences judged per trigger and pass at most: a long outage is worked off over several passes. */
const MAX_OCCURRENCES_PER_PASS = 100;

type WatchedTrigger = {
  workflowId: string;
  expression: string;
  timezone: string;
  startAt: Date | null;
  endAt: Date | null;
  savedAt: Date;
  withinSeconds: number;
  checkedUntil: Date | null;
};

const WATCHED_SQL = `SELECT workflow_id::text AS "workflowId", expression, timezone, start_at AS "startAt", end_at AS "endAt",
       saved_at AS "savedAt", expect_within_seconds AS "withinSeconds", expect_checked_until AS "checkedUntil"
     FROM cron_triggers WHERE expect_within_seconds IS NOT NULL`;

/**
 * Judges the due occurrences of one trigger and records the missed ones, in one statement. An occurrence is met
 * by a run of it that succeeded by its deadline; else it is missed: `failed` (its run failed or was cancelled),
 * `still_running` (its run had not succeeded by the deadline), `skipped` (held by the overlap guard, no run) or
 * `not_dispatched` (no run: no dispatcher ran, or catch-up passed it over). The primary key makes each miss
 * exactly once whatever number of beats judge it; only the beat whose insert took the row gets it back. The
 * trigger's watermark moves forward in the same statement, unless the config was saved again meanwhile.
 */
const JUDGE_SQL = `WITH occ AS (SELECT unnest($2::timestamptz[]) AS scheduled_for),
     judged AS (
       SELECT occ.scheduled_for, r.id AS run_id,
              CASE
                WHEN r.status = 'succeeded' AND r.completed_at <= occ.scheduled_for + make_interval(secs => $3::int)
                  THEN NULL
                WHEN r.status IN ('failed', 'cancelled') THEN 'failed'
                WHEN r.id IS NOT NULL THEN 'still_running'
                WHEN o.outcome = 'skipped_overlap' THEN 'skipped'
                ELSE 'not_dispatched'
              END AS reason
       FROM occ
       LEFT JOIN cron_occurrences o ON o.workflow_id = $1::uuid AND o.scheduled_for = occ.scheduled_for
       LEFT JOIN runs r ON r.workflow_id = $1::uuid AND r.cron_occurrence = occ.scheduled_for
     ), ins AS (
       INSERT INTO cron_missed_occurrences (workflow_id, scheduled_for, reason, run_id)
       SELECT $1::uuid, scheduled_for, reason, run_id FROM judged WHERE reason IS NOT NULL
       ON CONFLICT (workflow_id, scheduled_for) DO NOTHING
       RETURNING scheduled_for, reason, run_id
     ), mark AS (
       UPDATE cron_triggers SET expect_checked_until = GREATEST(coalesce(expect_checked_until, $4::timestamptz), $4::timestamptz)
       WHERE workflow_id = $1::uuid AND saved_at = $5::timestamptz
     )
     SELECT scheduled_for AS "scheduledFor", reason, run_id::text AS "runId" FROM ins ORDER BY scheduled_for`;

/**
 * One pass of the dead-man's switch (the beat's `cron-expect` task): for every cron trigger with `expect`, the
 * occurrences whose deadline (`scheduled_for + within_seconds`) has passed since the last pass are judged, and each
 * missed one raises `cron.missed` once: a row, a warning and `switchyard_cron_missed_total{workflow}`. Any number
 * of beats may run it at once.
 */
export async function raiseMissedCronOccurrences(
  deps: Pick<Deps, "db" | "logger"> & Partial<Pick<Deps, "metrics">>,
  now: Date,
): Promise<CronMissed[]> {
  const raised: CronMissed[] = [];
  for (const t of await queryRows<WatchedTrigger>(deps.db, WATCHED_SQL, [], true)) {
    const deadline = new Date(now.getTime() - t.withinSeconds * 1_000);
    const from = t.checkedUntil === null ? t.savedAt : new Date(t.checkedUntil.getTime() + 1);
    const due = nextFireTimes(t, from, MAX_OCCURRENCES_PER_PASS).filter((at) => at <= deadline);
    const last = due.at(-1);
    if (last === undefined) continue;
    const rows = await queryRows<{ scheduledFor: Date; reason: CronMissedReason; runId: string | null }>(
      deps.db,
      JUDGE_SQL,
      [t.workflowId, due.map((d) => d.toISOString()), t.withinSeconds, last.toISOString(), t.savedAt.toISOString()],
      true,
    );
    for (const row of rows) {
      const missed = { workflowId: t.workflowId, ...row };
      raised.push(missed);
      deps.logger.warn("cron occurrence missed", {
        workflowId: t.workflowId,
        scheduledFor: row.scheduledFor.toISOString(),
        reason: row.reason,
        runId: row.runId,
      });
    }
    deps.metrics?.cronMissed(t.workflowId, rows.length);
  }
  return raised;
}
