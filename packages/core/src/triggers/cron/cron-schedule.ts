import { CronExpressionParser, type CronExpression } from "cron-parser";
import { ValidationError } from "../../errors";

/** What decides when a cron trigger fires: a 5-field expression read in a zone's wall-clock time, within a window. */
export type CronSchedule = {
  expression: string;
  timezone: string;
  /** Inclusive bounds; null = unbounded. */
  startAt: Date | null;
  endAt: Date | null;
};

const MINUTE_MS = 60_000;
const CACHE_LIMIT = 50_000;

// Parsing an expression costs ~0.3 ms and each zoned step ~0.06 ms; a dispatch over 10,000 triggers repeats the
// same few (expression, zone, minute) questions, so both are memoised. They are caches of pure functions, bounded
// and cleared wholesale when full, so they hold no state that matters.
const parsed = new Map<string, CronExpression>();
const firstAtOrAfterMemo = new Map<string, number>();
const lastAtOrBeforeMemo = new Map<string, number>();

function remember<K, V>(cache: Map<K, V>, key: K, value: V): V {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

/** Jenkins' `H` (a hashed value) would give each process its own schedule: not standard 5-field cron. */
const HASHED = /(^|,)H(?=$|[/(,])/i;

/** 422 "Invalid cron expression: X" unless `expression` is a standard 5-field cron (names like MON-FRI, JAN allowed). */
export function assertCronExpression(expression: string): void {
  const fields = expression.trim().split(/\s+/);
  const fail = () => new ValidationError(`Invalid cron expression: ${expression}`);
  if (fields.length !== 5 || fields.some((f) => HASHED.test(f))) throw fail();
  try {
    CronExpressionParser.parse(expression, { tz: "UTC", currentDate: new Date(0) }).next();
  } catch {
    throw fail();
  }
}

/** 422 "Unknown timezone 'X'" unless `timezone` is an IANA zone name (or UTC) that both Intl and the cron engine know. */
export function assertTimezone(timezone: string): void {
  const fail = new ValidationError(`Unknown timezone '${timezone}'`);
  // Intl also takes offsets like "+01:00" on newer engines; the spec asks for a zone name.
  if (!/^[A-Za-z]/.test(timezone) || timezone.length > 100) throw fail;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    CronExpressionParser.parse("0 0 * * *", { tz: timezone, currentDate: new Date(0) }).next();
  } catch {
    throw fail;
  }
}

function expressionFor(expression: string, timezone: string): CronExpression {
  const key = `${timezone}\n${expression}`;
  return parsed.get(key) ?? remember(parsed, key, CronExpressionParser.parse(expression, { tz: timezone }));
}

/** The first occurrence at or after `at` (occurrences fall on whole minutes, so `at` rounds up to one). */
export function firstOccurrenceAtOrAfter(expression: string, timezone: string, at: Date): Date {
  const minute = Math.ceil(at.getTime() / MINUTE_MS) * MINUTE_MS;
  const key = `${timezone}\n${expression}\n${minute}`;
  let found = firstAtOrAfterMemo.get(key);
  if (found === undefined) {
    const cron = expressionFor(expression, timezone);
    // next() is exclusive of the current date: start one millisecond early to include `minute` itself.
    cron.reset(new Date(minute - 1));
    found = remember(firstAtOrAfterMemo, key, cron.next().getTime());
  }
  return new Date(found);
}

/** The last occurrence at or before `at`. */
export function lastOccurrenceAtOrBefore(expression: string, timezone: string, at: Date): Date {
  const minute = Math.floor(at.getTime() / MINUTE_MS) * MINUTE_MS;
  const key = `${timezone}\n${expression}\n${minute}`;
  let found = lastAtOrBeforeMemo.get(key);
  if (found === undefined) {
    const cron = expressionFor(expression, timezone);
    cron.reset(new Date(minute + 1));
    found = remember(lastAtOrBeforeMemo, key, cron.prev().getTime());
  }
  return new Date(found);
}

/**
 * Up to `count` occurrences at or after `from`, inside the schedule's window (both bounds inclusive), oldest first.
 * Pure: the clock is the caller's `from`.
 */
export function nextFireTimes(schedule: CronSchedule, from: Date, count: number): Date[] {
  const out: Date[] = [];
  let at = schedule.startAt !== null && schedule.startAt > from ? schedule.startAt : from;
  while (out.length < count) {
    const next = firstOccurrenceAtOrAfter(schedule.expression, schedule.timezone, at);
    if (schedule.endAt !== null && next > schedule.endAt) break;
    out.push(next);
    at = new Date(next.getTime() + 1);
  }
  return out;
}

/**
 * The smallest gap, in seconds, between consecutive occurrences among the next `count` after `from`. Looking far
 * enough ahead catches irregular schedules such as `0,1 9 * * *` (a one-minute gap once a day) and DST days.
 */
export function minimumGapSeconds(expression: string, timezone: string, from: Date, count: number): number {
  const times = nextFireTimes({ expression, timezone, startAt: null, endAt: null }, from, count);
  let min = Number.POSITIVE_INFINITY;
  for (let i = 1; i < times.length; i++) {
    min = Math.min(min, (times[i]!.getTime() - times[i - 1]!.getTime()) / 1000);
  }
  return min;
}
