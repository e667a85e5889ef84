import { z } from "zod";
import { queryRows, type Db, type SqlTransaction } from "../../db";
import { NotFoundError } from "../../errors";
import { findCronConfig } from "./cron-config-store";
import { nextFireTimes } from "./cron-schedule";
import { iso } from "../../timestamp";
import { Timestamp } from "../../timestamp";
import type { CronMissedReason } from "./raise-missed-cron-occurrences";

export const CRON_OUTCOMES = ["fired", "skipped_overlap", "caught_up", "missed", "already_fired"] as const;
export type CronOutcome = (typeof CRON_OUTCOMES)[number];

const Local = z
  .string()
  .meta({ description: 'Wall-clock time in the trigger\'s timezone, e.g. "2026-12-02 09:00 CET"' });

/** `GET /api/workflows/{ref}/triggers/cron/occurrences` (see run-response.ts for why this is a zod schema). */
export const CronOutlookResponse = z.strictObject({
  workflow_id: z.uuid(),
  expression: z.string(),
  timezone: z.string(),
  last_dispatched_at: Timestamp.nullable(),
  next_fire_times: z
    .array(z.strictObject({ at: Timestamp.nullable(), local: Local }))
    .meta({ description: "The next 10 fire times, soonest first" }),
  occurrences: z
    .array(
      z.strictObject({
        scheduled_for: Timestamp.nullable(),
        local: Local,
        outcome: z.enum(CRON_OUTCOMES).meta({
          description:
            "`fired` (`run_id` is its run); `skipped_overlap`: held while a cron run was active (it turns `fired` when it fires, `overlap_holds` counting the holds); `caught_up`: the due occurrences from `scheduled_for` up to `covers_until` (exclusive) passed over by catch-up; `missed`: catch-up `none`, past the grace window; `already_fired`: the occurrence already had a run",
        }),
        run_id: z.uuid().nullable(),
        covers_until: Timestamp.nullable().meta({ description: "`caught_up` only: the end of the range passed over" }),
        covers_until_local: z.string().nullable(),
        overlap_holds: z.number().int().meta({ description: "How many dispatches held this occurrence back" }),
        first_decided_at: Timestamp.nullable(),
        decided_at: Timestamp.nullable().meta({ description: "The latest decision" }),
      }),
    )
    .meta({ description: "The latest decided occurrences, newest first (`limit` of them)" }),
  missed: z
    .array(
      z.strictObject({
        scheduled_for: Timestamp.nullable(),
        local: Local,
        reason: z.enum(["not_dispatched", "skipped", "still_running", "failed"]).meta({
          description:
            "`not_dispatched`: no run (no dispatcher ran, or catch-up passed it over); `skipped`: held by the overlap guard; `still_running`: its run had not succeeded by the deadline; `failed`: its run failed or was cancelled",
        }),
        run_id: z.uuid().nullable(),
        raised_at: Timestamp.nullable().meta({ description: "When `cron.missed` was raised" }),
      }),
    )
    .meta({
      description:
        "The dead-man's switch (`expect`): the latest occurrences without a succeeded run within `expect.within_seconds`, newest first (`limit` of them)",
    }),
});
export type CronOutlookResponse = z.output<typeof CronOutlookResponse>;

/** One decision of the dispatcher about one occurrence (or, for `caught_up`, a range of them). */
export type CronOccurrenceRecord = {
  workflowId: string;
  scheduledFor: Date;
  outcome: CronOutcome;
  runId: string | null;
  /** `caught_up`: the occurrences from `scheduledFor` up to this instant (exclusive) were passed over. */
  coversUntil: Date | null;
};

/**
 * Records the dispatcher's decisions in one statement, inside its transaction. A held occurrence is decided again
 * at every dispatch until it fires: its row counts the holds and takes the final outcome. A `fired` row is final.
 */
export async function recordCronOccurrences(
  tx: SqlTransaction,
  records: readonly CronOccurrenceRecord[],
): Promise<void> {
  if (records.length === 0) return;
  await tx.query(
    `INSERT INTO cron_occurrences AS o (workflow_id, scheduled_for, outcome, run_id, covers_until, overlap_holds)
     SELECT x.workflow_id, x.scheduled_for, x.outcome, x.run_id, x.covers_until,
            CASE WHEN x.outcome = 'skipped_overlap' THEN 1 ELSE 0 END
     FROM jsonb_to_recordset($1::jsonb)
       AS x(workflow_id uuid, scheduled_for timestamptz, outcome text, run_id uuid, covers_until timestamptz)
     ON CONFLICT (workflow_id, scheduled_for) DO UPDATE
       SET outcome = EXCLUDED.outcome, run_id = EXCLUDED.run_id, covers_until = EXCLUDED.covers_until,
           overlap_holds = o.overlap_holds + EXCLUDED.overlap_holds, decided_at = now()
       WHERE o.outcome <> 'fired'`,
    [
      JSON.stringify(
        records.map((r) => ({
          workflow_id: r.workflowId,
          scheduled_for: r.scheduledFor.toISOString(),
          outcome: r.outcome,
          run_id: r.runId,
          covers_until: r.coversUntil?.toISOString() ?? null,
        })),
      ),
    ],
  );
}

type OccurrenceRow = {
  scheduledFor: Date;
  outcome: CronOutcome;
  runId: string | null;
  coversUntil: Date | null;
  overlapHolds: number;
  firstDecidedAt: Date;
  decidedAt: Date;
};

/** "2026-12-02 09:00 CET": an instant as wall-clock time in `timezone`. */
export function formatInZone(at: Date, timezone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: timezone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZoneName: "short",
  }).formatToParts(at);
  const p = (type: Intl.DateTimeFormatPartTypes) => parts.find((x) => x.type === type)?.value ?? "";
  return `${p("year")}-${p("month")}-${p("day")} ${p("hour")}:${p("minute")} ${p("timeZoneName")}`;
}

/**
 * The dashboard's view of a cron trigger: its next `count` fire times from `now` (in UTC and in the trigger's
 * zone) and the latest `limit` decided occurrences, newest first. 404 "Cron trigger not found" without a config.
 */
export async function getCronOutlook(
  db: Db,
  workflowId: string,
  now: Date,
  opts: { count: number; limit: number },
): Promise<CronOutlookResponse> {
  const config = await findCronConfig(db, workflowId);
  if (config === null) throw new NotFoundError("Cron trigger not found");
  const rows = await queryRows<OccurrenceRow>(
    db,
    `SELECT scheduled_for AS "scheduledFor", outcome, run_id::text AS "runId", covers_until AS "coversUntil",
            overlap_holds AS "overlapHolds", first_decided_at AS "firstDecidedAt", decided_at AS "decidedAt"
     FROM cron_occurrences WHERE workflow_id = $1::uuid ORDER BY scheduled_for DESC LIMIT $2`,
    [workflowId, opts.limit],
    true,
  );
  const missed = await queryRows<{
    scheduledFor: Date;
    reason: CronMissedReason;
    runId: string | null;
    raisedAt: Date;
  }>(
    db,
    `SELECT scheduled_for AS "scheduledFor", reason, run_id::text AS "runId", raised_at AS "raisedAt"
     FROM cron_missed_occurrences WHERE workflow_id = $1::uuid ORDER BY scheduled_for DESC LIMIT $2`,
    [workflowId, opts.limit],
    true,
  );
  const tz = config.timezone;
  return {
    workflow_id: workflowId,
    expression: config.expression,
    timezone: tz,
    last_dispatched_at: iso(config.lastDispatchedAt),
    next_fire_times: nextFireTimes(config, now, opts.count).map((at) => ({ at: iso(at), local: formatInZone(at, tz) })),
    occurrences: rows.map((r) => ({
      scheduled_for: iso(r.scheduledFor),
      local: formatInZone(r.scheduledFor, tz),
      outcome: r.outcome,
      run_id: r.runId,
      covers_until: iso(r.coversUntil),
      covers_until_local: r.coversUntil === null ? null : formatInZone(r.coversUntil, tz),
      overlap_holds: r.overlapHolds,
      first_decided_at: iso(r.firstDecidedAt),
      decided_at: iso(r.decidedAt),
    })),
    missed: missed.map((m) => ({
      scheduled_for: iso(m.scheduledFor),
      local: formatInZone(m.scheduledFor, tz),
      reason: m.reason,
      run_id: m.runId,
      raised_at: iso(m.raisedAt),
    })),
  };
}
