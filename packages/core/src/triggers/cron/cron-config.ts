import { z } from "zod";
import { ValidationError } from "../../errors";
import { parseInput } from "../../http/parse-input";
import { assertCronExpression, assertTimezone, minimumGapSeconds, type CronSchedule } from "./cron-schedule";

export const CRON_CATCHUPS = ["all", "latest", "none"] as const;
export type CronCatchup = (typeof CRON_CATCHUPS)[number];

/** Without allow_overlapping, a schedule may not fire more often than this. */
export const MIN_GAP_WITHOUT_OVERLAP_SECONDS = 300;
/** How many upcoming occurrences the gap check looks at: enough for irregular lists such as `0,1 9 * * *`. */
const GAP_LOOKAHEAD = 500;

const AwareDateTime = z.iso.datetime({ offset: true, message: "must be a timezone-aware ISO-8601 datetime" });

/** PUT body (api.md, Cron trigger). A PUT replaces the whole config; missing fields take their defaults. */
export const CronConfigBody = z.strictObject({
  expression: z.string().max(200).default("0 * * * *"),
  timezone: z.string().max(100).default("UTC"),
  allow_overlapping: z.boolean().default(false),
  start_at: AwareDateTime.nullish(),
  end_at: AwareDateTime.nullish(),
  catchup: z.enum(CRON_CATCHUPS).default("all").meta({
    description: "Beyond Orcheo: missed occurrences: all (oldest first), latest only, or none",
  }),
  expect: z
    .strictObject({ within_seconds: z.number().int().min(1).max(86_400) })
    .nullish()
    .meta({
      description:
        "Beyond Orcheo: the dead-man's switch. An occurrence without a succeeded run within `within_seconds` of its scheduled time raises `cron.missed` once (docs/cron-monitoring.md); null: off",
    }),
});

export type CronConfig = CronSchedule & {
  allowOverlapping: boolean;
  catchup: CronCatchup;
  /** The dead-man's switch: seconds after its time an occurrence must have a succeeded run by; null: off. */
  expectWithinSeconds?: number | null;
};

/**
 * Untrusted body → a config that can be scheduled. The spec's named errors ("Invalid cron expression: X",
 * "Unknown timezone 'X'") are string details; the other rules answer in the list shape, naming their field.
 */
export function parseCronConfig(body: unknown, now: Date): CronConfig {
  const input = parseInput(CronConfigBody, body ?? {});
  assertCronExpression(input.expression);
  assertTimezone(input.timezone);
  const expression = input.expression.trim();
  const startAt = input.start_at == null ? null : new Date(input.start_at);
  const endAt = input.end_at == null ? null : new Date(input.end_at);

  const issues: { loc: string[]; msg: string; type: string }[] = [];
  for (const [field, at] of [
    ["start_at", startAt],
    ["end_at", endAt],
  ] as const) {
    if (at !== null && at.getTime() % 60_000 !== 0) {
      issues.push({ loc: ["body", field], msg: `${field} must be on a whole minute`, type: "value_error" });
    }
  }
  if (startAt !== null && endAt !== null && startAt >= endAt) {
    issues.push({ loc: ["body", "end_at"], msg: "start_at must be before end_at", type: "value_error" });
  }
  if (!input.allow_overlapping) {
    const gap = minimumGapSeconds(expression, input.timezone, now, GAP_LOOKAHEAD);
    if (gap < MIN_GAP_WITHOUT_OVERLAP_SECONDS) {
      issues.push({
        loc: ["body", "allow_overlapping"],
        msg: `the schedule fires every ${gap} seconds at times; more often than every ${MIN_GAP_WITHOUT_OVERLAP_SECONDS} seconds needs allow_overlapping: true`,
        type: "value_error",
      });
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);

  return {
    expression,
    timezone: input.timezone,
    allowOverlapping: input.allow_overlapping,
    startAt,
    endAt,
    catchup: input.catchup,
    expectWithinSeconds: input.expect?.within_seconds ?? null,
  };
}

export type CronConfigRow = CronConfig & { workflowId: string; lastDispatchedAt: Date | null };

/** The API's cron config JSON. */
export const CronConfigResponse = z.strictObject({
  workflow_id: z.uuid(),
  expression: z.string(),
  timezone: z.string(),
  allow_overlapping: z.boolean(),
  start_at: z.string().nullable().meta({ format: "date-time" }),
  end_at: z.string().nullable().meta({ format: "date-time" }),
  catchup: z.enum(CRON_CATCHUPS),
  expect: z.strictObject({ within_seconds: z.number().int() }).nullable(),
  last_dispatched_at: z.string().nullable().meta({
    format: "date-time",
    description: "The last occurrence dispatched; the next one is computed from here",
  }),
});
export type CronConfigResponse = z.output<typeof CronConfigResponse>;

export function toCronConfigJson(row: CronConfigRow): CronConfigResponse {
  return {
    workflow_id: row.workflowId,
    expression: row.expression,
    timezone: row.timezone,
    allow_overlapping: row.allowOverlapping,
    start_at: row.startAt?.toISOString() ?? null,
    end_at: row.endAt?.toISOString() ?? null,
    catchup: row.catchup,
    expect: row.expectWithinSeconds == null ? null : { within_seconds: row.expectWithinSeconds },
    last_dispatched_at: row.lastDispatchedAt?.toISOString() ?? null,
  };
}
