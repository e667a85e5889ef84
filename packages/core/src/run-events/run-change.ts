import type { RunStatus } from "../runs/run-status";

/**
 * What a process publishes after it committed a change of a run (RunChangePublisher): enough for a listener to know
 * whom it concerns. The change itself is read back from Postgres, the source of truth; `status` is null when only
 * steps were written.
 */
export type RunChange = {
  run_id: string;
  workflow_id: string;
  status: RunStatus | null;
  attempt: number;
  at: string;
  /** A child run's parent: its stream sends the child's status changes (`child` events). Absent on other runs. */
  parent_run_id?: string;
};

/** The one pub/sub channel of run changes, under QUEUE_PREFIX: every API process listens on one connection. */
export function runChangesChannel(prefix: string): string {
  return `${prefix}:run-changes`;
}

/** A published message → its changes; anything else (another release's format) → none. */
export function parseRunChanges(message: string): RunChange[] {
  try {
    const parsed: unknown = JSON.parse(message);
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (c): c is RunChange => typeof c === "object" && c !== null && typeof (c as RunChange).run_id === "string",
    );
  } catch {
    return [];
  }
}
