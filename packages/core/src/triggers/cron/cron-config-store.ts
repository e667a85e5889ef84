import type { Db } from "../../db";
import { CRON_CATCHUPS, type CronCatchup, type CronConfig, type CronConfigRow } from "./cron-config";

type StoredTrigger = {
  workflowId: string;
  expression: string;
  timezone: string;
  allowOverlapping: boolean;
  startAt: Date | null;
  endAt: Date | null;
  catchup: string;
  lastDispatchedAt: Date | null;
  expectWithinSeconds: number | null;
};

export function isCronCatchup(s: string): s is CronCatchup {
  return (CRON_CATCHUPS as readonly string[]).includes(s);
}

function toRow(t: StoredTrigger): CronConfigRow {
  return {
    workflowId: t.workflowId,
    expression: t.expression,
    timezone: t.timezone,
    allowOverlapping: t.allowOverlapping,
    startAt: t.startAt,
    endAt: t.endAt,
    // Only this module writes the column, always from CRON_CATCHUPS.
    catchup: isCronCatchup(t.catchup) ? t.catchup : "all",
    lastDispatchedAt: t.lastDispatchedAt,
    expectWithinSeconds: t.expectWithinSeconds,
  };
}

/**
 * Saves (replaces) a workflow's cron config. Saving restarts the schedule: occurrences are counted again from
 * `saved_at` = now (or `start_at`), and `last_dispatched_at` is cleared, so a changed expression never fires
 * occurrences the old one missed. An occurrence that already has a run is still never fired twice: the unique
 * key on (workflow_id, cron_occurrence) refuses it.
 */
export async function saveCronConfig(
  db: Db,
  workflowId: string,
  config: CronConfig,
  now: Date,
): Promise<CronConfigRow> {
  const fields = {
    expression: config.expression,
    timezone: config.timezone,
    allowOverlapping: config.allowOverlapping,
    startAt: config.startAt,
    endAt: config.endAt,
    catchup: config.catchup,
    lastDispatchedAt: null,
    savedAt: now,
    // The dead-man's switch counts from the save too.
    expectWithinSeconds: config.expectWithinSeconds ?? null,
    expectCheckedUntil: null,
  };
  const saved = await db.cronTrigger.upsert({
    where: { workflowId },
    create: { workflowId, ...fields },
    update: fields,
  });
  return toRow(saved);
}

export async function findCronConfig(db: Db, workflowId: string): Promise<CronConfigRow | null> {
  const found = await db.cronTrigger.findUnique({ where: { workflowId } });
  return found === null ? null : toRow(found);
}

/** Idempotent: deleting a config that does not exist is not an error. */
export async function deleteCronConfig(db: Db, workflowId: string): Promise<void> {
  await db.cronTrigger.deleteMany({ where: { workflowId } });
}
