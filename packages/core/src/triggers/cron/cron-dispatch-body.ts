import { z } from "zod";
import { parseInput } from "../../http/parse-input";

/** `POST /api/triggers/cron/dispatch` body: an optional `now` (the clock is the caller's, for tests and replays). */
export const CronDispatchBody = z
  .strictObject({
    now: z.iso.datetime({ offset: true, local: true, message: "must be an ISO-8601 datetime" }).nullish(),
  })
  .nullish();

const HAS_OFFSET = /(Z|[+-]\d{2}(:?\d{2})?)$/i;

/** The dispatch's `now`: the body's (a naive datetime is UTC), else `clock`. */
export function parseDispatchNow(body: unknown, clock: Date): Date {
  const now = parseInput(CronDispatchBody, body)?.now;
  if (now == null) return clock;
  return new Date(HAS_OFFSET.test(now) ? now : `${now}Z`);
}
