import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  assertCronExpression,
  assertTimezone,
  firstOccurrenceAtOrAfter,
  lastOccurrenceAtOrBefore,
  minimumGapSeconds,
  nextFireTimes,
} from "./cron-schedule";

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
const at = (s: string) => new Date(s);

describe("cron schedule", () => {
  it("reads the expression in the zone's wall-clock time across summer time", () => {
    const schedule = { expression: "0 9 * * *", timezone: "Europe/Berlin", startAt: null, endAt: null };
    assert.deepEqual(iso(nextFireTimes(schedule, at("2026-01-15T00:00:00Z"), 1)), ["2026-01-15T08:00:00.000Z"]);
    assert.deepEqual(iso(nextFireTimes(schedule, at("2026-07-15T00:00:00Z"), 1)), ["2026-07-15T07:00:00.000Z"]);
    assert.deepEqual(iso(nextFireTimes(schedule, at("2026-03-28T12:00:00Z"), 2)), [
      "2026-03-29T07:00:00.000Z",
      "2026-03-30T07:00:00.000Z",
    ]);
  });

  it("fires a wall-clock time that DST skips or repeats exactly once", () => {
    const schedule = { expression: "30 2 * * *", timezone: "Europe/Berlin", startAt: null, endAt: null };
    // 29 March 2026: 02:00 CET jumps to 03:00 CEST; 25 October 2026: 03:00 CEST falls back to 02:00 CET.
    assert.deepEqual(iso(nextFireTimes(schedule, at("2026-03-28T00:00:00Z"), 3)), [
      "2026-03-28T01:30:00.000Z",
      "2026-03-29T01:30:00.000Z",
      "2026-03-30T00:30:00.000Z",
    ]);
    assert.deepEqual(iso(nextFireTimes(schedule, at("2026-10-24T00:00:00Z"), 3)), [
      "2026-10-24T00:30:00.000Z",
      "2026-10-25T00:30:00.000Z",
      "2026-10-26T01:30:00.000Z",
    ]);
    // An hourly schedule keeps one occurrence per real hour through the repeated hour.
    const hourly = { expression: "0 * * * *", timezone: "Europe/Berlin", startAt: null, endAt: null };
    assert.deepEqual(iso(nextFireTimes(hourly, at("2026-10-24T23:30:00Z"), 3)), [
      "2026-10-25T00:00:00.000Z",
      "2026-10-25T01:00:00.000Z",
      "2026-10-25T02:00:00.000Z",
    ]);
  });

  it("finds occurrences inclusively on whole minutes and rounds other instants", () => {
    assert.equal(
      firstOccurrenceAtOrAfter("0 9 * * *", "UTC", at("2026-01-01T09:00:00Z")).toISOString(),
      "2026-01-01T09:00:00.000Z",
    );
    assert.equal(
      firstOccurrenceAtOrAfter("0 9 * * *", "UTC", at("2026-01-01T09:00:00.001Z")).toISOString(),
      "2026-01-02T09:00:00.000Z",
    );
    assert.equal(
      lastOccurrenceAtOrBefore("0 9 * * *", "UTC", at("2026-01-02T09:00:00Z")).toISOString(),
      "2026-01-02T09:00:00.000Z",
    );
    assert.equal(
      lastOccurrenceAtOrBefore("0 9 * * *", "UTC", at("2026-01-02T08:59:59.999Z")).toISOString(),
      "2026-01-01T09:00:00.000Z",
    );
  });

  it("keeps next fire times inside the start_at/end_at window, both bounds inclusive", () => {
    const schedule = {
      expression: "0 * * * *",
      timezone: "UTC",
      startAt: at("2026-01-01T10:00:00Z"),
      endAt: at("2026-01-01T12:00:00Z"),
    };
    assert.deepEqual(iso(nextFireTimes(schedule, at("2026-01-01T00:00:00Z"), 10)), [
      "2026-01-01T10:00:00.000Z",
      "2026-01-01T11:00:00.000Z",
      "2026-01-01T12:00:00.000Z",
    ]);
    assert.deepEqual(nextFireTimes(schedule, at("2026-01-01T12:00:01Z"), 10), []);
  });

  it("accepts 5-field expressions with month and weekday names", () => {
    for (const e of ["0 9 * * MON-FRI", "0 9 1 JAN *", "*/15 * * * *", "0 9 * * mon,wed", " 0 9 * * * "]) {
      assert.doesNotThrow(() => assertCronExpression(e), e);
    }
    const schedule = { expression: "0 9 * JAN MON-FRI", timezone: "UTC", startAt: null, endAt: null };
    assert.deepEqual(iso(nextFireTimes(schedule, at("2026-01-02T10:00:00Z"), 2)), [
      "2026-01-05T09:00:00.000Z",
      "2026-01-06T09:00:00.000Z",
    ]);
  });

  it("rejects 6-field, short, hashed and impossible expressions with the spec's message", () => {
    for (const e of ["0 0 9 * * *", "0 9 * *", "@daily", "H * * * *", "61 * * * *", "0 0 31 2 *", "not cron", ""]) {
      assert.throws(
        () => assertCronExpression(e),
        (err: { status: number; detail: unknown }) =>
          err.status === 422 && err.detail === `Invalid cron expression: ${e}`,
        e,
      );
    }
  });

  it("accepts IANA zones and rejects anything else with the spec's message", () => {
    for (const tz of ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"])
      assert.doesNotThrow(() => assertTimezone(tz), tz);
    for (const tz of ["Mars/Olympus", "+01:00", "", "Europe/Berlin2"]) {
      assert.throws(
        () => assertTimezone(tz),
        (err: { status: number; detail: unknown }) => err.status === 422 && err.detail === `Unknown timezone '${tz}'`,
        tz,
      );
    }
  });

  it("measures the smallest gap between upcoming occurrences, irregular lists included", () => {
    const from = at("2026-01-01T00:00:00Z");
    assert.equal(minimumGapSeconds("*/5 * * * *", "UTC", from, 200), 300);
    assert.equal(minimumGapSeconds("0,1 9 * * *", "UTC", from, 200), 60);
    assert.equal(minimumGapSeconds("0 9 * * *", "UTC", from, 200), 86_400);
  });
});
