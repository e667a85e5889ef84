import { z } from "zod";

/** A timestamp as the API writes it: ISO-8601 in UTC with a `Z` (what `Date.toISOString` gives). */
export const Timestamp = z.string().meta({ format: "date-time", description: "ISO-8601, UTC (`Z`)" });
export type Timestamp = z.output<typeof Timestamp>;

/** A stored instant as the API's `Timestamp`; null stays null. */
export function iso(d: Date | null): string | null {
  return d === null ? null : d.toISOString();
}

/** A cron occurrence as Orcheo writes it (`scheduled_for`): UTC with `+00:00`, whole seconds (occurrences fall on whole minutes). */
export function formatScheduledFor(occurrence: Date): string {
  return occurrence.toISOString().replace(/\.\d{3}Z$/, "+00:00");
}
