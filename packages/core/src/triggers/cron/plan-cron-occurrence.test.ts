import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { planCronOccurrence, type CronTriggerState } from "./plan-cron-occurrence";

const at = (s: string) => new Date(s);
const GRACE = 60_000;

function trigger(over: Partial<CronTriggerState> = {}): CronTriggerState {
  return {
    workflowId: "w",
    expression: "0 * * * *",
    timezone: "UTC",
    allowOverlapping: false,
    startAt: null,
    endAt: null,
    catchup: "all",
    lastDispatchedAt: null,
    savedAt: at("2026-01-01T08:30:00Z"),
    ...over,
  };
}

const fired = (occurrence: string, skippedFrom: string | null = null) => ({
  kind: "fire",
  occurrence: at(occurrence),
  skippedFrom: skippedFrom === null ? null : at(skippedFrom),
});

describe("planCronOccurrence", () => {
  it("counts from saved_at inclusively and is due at or before now", () => {
    assert.equal(planCronOccurrence(trigger(), at("2026-01-01T08:59:59Z"), GRACE), null);
    assert.deepEqual(planCronOccurrence(trigger(), at("2026-01-01T09:00:00Z"), GRACE), fired("2026-01-01T09:00:00Z"));
    const onTheMinute = trigger({ savedAt: at("2026-01-01T09:00:00Z") });
    assert.deepEqual(planCronOccurrence(onTheMinute, at("2026-01-01T09:00:00Z"), GRACE), fired("2026-01-01T09:00:00Z"));
  });

  it("counts a first occurrence from now when now is before saved_at, as Orcheo's dispatch does", () => {
    // Saved at 08:30; a dispatch that says it is 07:00 fires the 07:00 occurrence, one at 06:59 nothing.
    assert.deepEqual(planCronOccurrence(trigger(), at("2026-01-01T07:00:00Z"), GRACE), fired("2026-01-01T07:00:00Z"));
    assert.equal(planCronOccurrence(trigger(), at("2026-01-01T06:59:00Z"), GRACE), null);
    const daily = trigger({ expression: "0 9 * * *", savedAt: at("2026-03-05T12:00:00Z") });
    assert.deepEqual(planCronOccurrence(daily, at("2025-01-01T09:00:00Z"), GRACE), fired("2025-01-01T09:00:00Z"));
    // Once something was dispatched, or with a start_at, now plays no part in where the schedule starts.
    const dispatched = trigger({ lastDispatchedAt: at("2026-01-01T09:00:00Z") });
    assert.equal(planCronOccurrence(dispatched, at("2026-01-01T07:00:00Z"), GRACE), null);
    const started = trigger({ startAt: at("2026-01-01T08:00:00Z") });
    assert.equal(planCronOccurrence(started, at("2026-01-01T07:00:00Z"), GRACE), null);
  });

  it("counts from last_dispatched_at exclusively", () => {
    const t = trigger({ lastDispatchedAt: at("2026-01-01T09:00:00Z") });
    assert.equal(planCronOccurrence(t, at("2026-01-01T09:59:00Z"), GRACE), null);
    assert.deepEqual(planCronOccurrence(t, at("2026-01-01T10:00:00Z"), GRACE), fired("2026-01-01T10:00:00Z"));
  });

  it("counts from start_at inclusively, even before saved_at", () => {
    const t = trigger({ startAt: at("2026-01-01T06:00:00Z") });
    assert.deepEqual(planCronOccurrence(t, at("2026-01-01T08:40:00Z"), GRACE), fired("2026-01-01T06:00:00Z"));
    const later = trigger({ startAt: at("2026-01-02T00:00:00Z") });
    assert.equal(planCronOccurrence(later, at("2026-01-01T23:59:00Z"), GRACE), null);
  });

  it("fires end_at itself and nothing after it", () => {
    const t = trigger({ endAt: at("2026-01-01T10:00:00Z"), lastDispatchedAt: at("2026-01-01T09:00:00Z") });
    assert.deepEqual(planCronOccurrence(t, at("2026-01-01T12:00:00Z"), GRACE), fired("2026-01-01T10:00:00Z"));
    const done = trigger({ endAt: at("2026-01-01T10:00:00Z"), lastDispatchedAt: at("2026-01-01T10:00:00Z") });
    assert.equal(planCronOccurrence(done, at("2026-01-02T12:00:00Z"), GRACE), null);
  });

  it("catches up oldest first with catchup all", () => {
    assert.deepEqual(planCronOccurrence(trigger(), at("2026-01-01T11:30:00Z"), GRACE), fired("2026-01-01T09:00:00Z"));
  });

  it("fires only the most recent due occurrence with catchup latest", () => {
    const t = trigger({ catchup: "latest" });
    assert.deepEqual(
      planCronOccurrence(t, at("2026-01-01T11:30:00Z"), GRACE),
      fired("2026-01-01T11:00:00Z", "2026-01-01T09:00:00Z"),
    );
    assert.deepEqual(planCronOccurrence(t, at("2026-01-01T09:10:00Z"), GRACE), fired("2026-01-01T09:00:00Z"));
  });

  it("fires within the grace window and otherwise consumes missed occurrences with catchup none", () => {
    const t = trigger({ catchup: "none" });
    assert.deepEqual(
      planCronOccurrence(t, at("2026-01-01T11:01:00Z"), GRACE),
      fired("2026-01-01T11:00:00Z", "2026-01-01T09:00:00Z"),
    );
    assert.deepEqual(planCronOccurrence(t, at("2026-01-01T11:01:01Z"), GRACE), {
      kind: "skip",
      occurrence: at("2026-01-01T11:00:00Z"),
      reason: "missed",
    });
  });
});
