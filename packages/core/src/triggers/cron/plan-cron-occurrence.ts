import type { CronConfig } from "./cron-config";
import { firstOccurrenceAtOrAfter, lastOccurrenceAtOrBefore } from "./cron-schedule";

/** A trigger as the dispatcher reads it: its config and where its schedule stands. */
export type CronTriggerState = CronConfig & {
  workflowId: string;
  lastDispatchedAt: Date | null;
  savedAt: Date;
};

/**
 * What one dispatch does with a trigger:
 * - `fire`: create a run for `occurrence`; with `skippedFrom`, the due occurrences from `skippedFrom` up to (not
 *   including) `occurrence` are passed over without runs (catchup "latest" and "none").
 * - `skip`: consume `occurrence` (and everything before it) without a run (catchup "none", outside the grace window).
 * Either way `last_dispatched_at` becomes `occurrence`. null: nothing is due.
 */
export type CronPlan =
  { kind: "fire"; occurrence: Date; skippedFrom: Date | null } | { kind: "skip"; occurrence: Date; reason: "missed" };

/**
 * Pure: decides from the trigger's state and `now` alone. The next occurrence counts from `last_dispatched_at`
 * (exclusive), else `start_at` (inclusive), else the earlier of `saved_at` and `now` (inclusive), in the zone's
 * wall-clock time; it is due at or before `now`, and nothing after `end_at` is. The earlier of the two: Orcheo
 * counts a first occurrence from the dispatch's `now`, and its clients dispatch with a `now` before the config
 * was saved; after downtime `saved_at` is the earlier one, so what was missed is caught up.
 */
export function planCronOccurrence(trigger: CronTriggerState, now: Date, misfireGraceMs: number): CronPlan | null {
  const { expression, timezone, startAt, endAt } = trigger;
  const firstFrom = startAt ?? (now < trigger.savedAt ? now : trigger.savedAt);
  let from = trigger.lastDispatchedAt !== null ? new Date(trigger.lastDispatchedAt.getTime() + 1) : firstFrom;
  if (startAt !== null && startAt > from) from = startAt;
  const limit = endAt !== null && endAt < now ? endAt : now;
  if (from > limit) return null;
  const first = firstOccurrenceAtOrAfter(expression, timezone, from);
  if (first > limit) return null;

  switch (trigger.catchup) {
    case "all":
      return { kind: "fire", occurrence: first, skippedFrom: null };
    case "latest": {
      const latest = latestDue(trigger, first, limit);
      return { kind: "fire", occurrence: latest, skippedFrom: latest > first ? first : null };
    }
    case "none": {
      const latest = latestDue(trigger, first, limit);
      if (now.getTime() - latest.getTime() <= misfireGraceMs) {
        return { kind: "fire", occurrence: latest, skippedFrom: latest > first ? first : null };
      }
      return { kind: "skip", occurrence: latest, reason: "missed" };
    }
    default: {
      const never: never = trigger.catchup;
      throw new Error(`unexpected catchup ${String(never)}`);
    }
  }
}

function latestDue(trigger: CronTriggerState, first: Date, limit: Date): Date {
  const latest = lastOccurrenceAtOrBefore(trigger.expression, trigger.timezone, limit);
  // `first` is itself due, so the latest due occurrence is never earlier; guard against a zone-rule oddity anyway.
  return latest > first ? latest : first;
}
