import { z } from "zod";
import { queryRows, type Db } from "../db";
import { Timestamp } from "../timestamp";

/** What `getRunThroughput` answers (see run-response.ts for why this is a zod schema). */
export const RunThroughputResponse = z.strictObject({
  window_minutes: z.number().int(),
  finished_per_minute: z.number().meta({ description: "Runs finished per minute over the window, to 2 decimals" }),
  per_minute: z
    .array(
      z.strictObject({
        minute: Timestamp.meta({ description: "The minute's start (UTC)" }),
        succeeded: z.number().int(),
        failed: z.number().int(),
        cancelled: z.number().int(),
      }),
    )
    .meta({ description: "One entry per minute, oldest first, zeros included" }),
});
export type RunThroughputResponse = z.output<typeof RunThroughputResponse>;

type MinuteRow = { minute: Date; succeeded: number; failed: number; cancelled: number };

/**
 * Runs that reached an end state per minute over the last `minutes` minutes, oldest first, one entry per minute
 * (zeros included), from Postgres (the index on completed_at), so it counts every worker's runs.
 */
export async function getRunThroughput(db: Db, now: Date, minutes: number): Promise<RunThroughputResponse> {
  const rows = await queryRows<MinuteRow>(
    db,
    `SELECT m.minute,
            count(r.id) FILTER (WHERE r.status = 'succeeded')::int AS succeeded,
            count(r.id) FILTER (WHERE r.status = 'failed')::int AS failed,
            count(r.id) FILTER (WHERE r.status = 'cancelled')::int AS cancelled
     FROM generate_series(date_trunc('minute', $1::timestamptz) - make_interval(mins => $2 - 1),
                          date_trunc('minute', $1::timestamptz), interval '1 minute') AS m(minute)
     LEFT JOIN runs r ON r.completed_at >= m.minute AND r.completed_at < m.minute + interval '1 minute'
                     AND r.completed_at <= $1::timestamptz
     GROUP BY m.minute ORDER BY m.minute`,
    [now.toISOString(), minutes],
  );
  const perMinute = rows.map((r) => ({
    minute: r.minute.toISOString(),
    succeeded: r.succeeded,
    failed: r.failed,
    cancelled: r.cancelled,
  }));
  const total = perMinute.reduce((n, m) => n + m.succeeded + m.failed + m.cancelled, 0);
  return {
    window_minutes: minutes,
    finished_per_minute: Math.round((total / minutes) * 100) / 100,
    per_minute: perMinute,
  };
}
