import { queryRows, type Queryable } from "../db";
import type { StepRecord } from "../engine/execute-graph";
import { RUN_COLUMNS, type RunRow } from "./run-row";
import { sourcesOf, type RunStatus } from "./run-status";
import { STEP_ROWS_SQL, toStepRows } from "./record-step";

export type Transition = {
  runId: string;
  to: RunStatus;
  actor: string;
  /** Audit action written with the change (e.g. `run_started`). */
  action: string;
  metadata?: Record<string, unknown>;
  /** Narrows the allowed source statuses below what the transition table permits. */
  from?: readonly RunStatus[];
  /** Fence: only change the run if it is still at this attempt (a worker that lost its job cannot write). */
  attempt?: number;
  /** Starting a run: started_at = now, attempt + 1. */
  start?: boolean;
  /** Only a run whose run_at has come (or has none) changes: a worker never starts a run early. */
  due?: boolean;
  outputPayload?: unknown;
  error?: string | null;
  /** runs.run_at: a run going back to pending for a run-level retry does not start before it. */
  runAt?: Date;
  /** runs.waiting_for: the parked nodes of a run going to `waiting`. */
  waitingFor?: unknown;
  /**
   * Steps appended in the same statement (with `attempt`): fenced on the attempt alone, exactly as `recordSteps`,
   * so they are kept even when the status guard refuses the change.
   */
  steps?: readonly StepRecord[];
  /** Skip steps already written (a retry of a write whose reply was lost; see `STEP_ROWS_SQL`). */
  dedupeSteps?: boolean;
  /** A run going to running: held by this worker until now + seconds (renewed by its heartbeat). */
  lease?: { owner: string; seconds: number };
  /** Only a run whose lease has expired changes (the sweeper's takeover of a run whose worker died). */
  leaseExpired?: boolean;
  /** Counts a takeover after an expired lease (runs.crash_recoveries + 1). */
  crashRecovery?: boolean;
};

/**
 * The one way a run's status changes: a guarded UPDATE (status IN sources [AND attempt = n]) plus its audit
 * entry in the same statement. Returns the updated run, or null when the guard did not hold (someone else
 * got there first): callers never read-then-write. A change to running sets the run's lease (or none); every other
 * change clears it.
 */
export async function transitionRun(db: Queryable, t: Transition): Promise<RunRow | null> {
  const allowed = sourcesOf(t.to).filter((s) => t.from === undefined || t.from.includes(s));
  const terminal = t.to === "succeeded" || t.to === "failed" || t.to === "cancelled";
  const params: unknown[] = [t.runId, t.to, allowed, t.actor, t.action, JSON.stringify(t.metadata ?? {})];
  const sets = [`status = $2`, `updated_at = clock_timestamp()`];
  if (t.start === true) sets.push(`started_at = clock_timestamp()`, `attempt = r.attempt + 1`);
  if (terminal) sets.push(`completed_at = clock_timestamp()`);
  if (t.outputPayload !== undefined) {
    params.push(JSON.stringify(t.outputPayload));
    sets.push(`output_payload = $${params.length}::jsonb`);
  }
  if (t.waitingFor !== undefined) {
    params.push(JSON.stringify(t.waitingFor));
    sets.push(`waiting_for = $${params.length}::jsonb`);
  }
  if (t.runAt !== undefined) {
    params.push(t.runAt.toISOString());
    sets.push(`run_at = $${params.length}::timestamptz`);
  }
  if (t.lease !== undefined && t.to === "running") {
    params.push(t.lease.owner, t.lease.seconds);
    sets.push(
      `lease_owner = $${params.length - 1}`,
      `lease_expires_at = clock_timestamp() + make_interval(secs => $${params.length}::int)`,
    );
  } else {
    // Every other change ends the holder's lease: only a running run has one.
    sets.push(`lease_owner = NULL`, `lease_expires_at = NULL`);
  }
  if (t.crashRecovery === true) sets.push(`crash_recoveries = r.crash_recoveries + 1`);
  if (t.error !== undefined) {
    params.push(t.error);
    sets.push(`error = $${params.length}`);
  }
  let guard = `r.id = $1::uuid AND r.status = ANY($3::text[])`;
  if (t.due === true) guard += ` AND (r.run_at IS NULL OR r.run_at <= clock_timestamp())`;
  if (t.leaseExpired === true) guard += ` AND r.lease_expires_at < clock_timestamp()`;
  let attemptParam = "";
  if (t.attempt !== undefined) {
    params.push(t.attempt);
    attemptParam = `$${params.length}::int`;
    guard += ` AND r.attempt = ${attemptParam}`;
  }
  let steps = "";
  if (t.steps !== undefined && t.steps.length > 0) {
    if (t.attempt === undefined) throw new Error("transitionRun: steps are written fenced on an attempt");
    params.push(JSON.stringify(toStepRows(t.steps)));
    // Every part of one statement sees the same snapshot: the fence reads the attempt as it was before the update.
    steps = `, steps AS (${STEP_ROWS_SQL("$1::uuid", attemptParam, `$${params.length}::jsonb`, t.dedupeSteps === true)})`;
  }
  const rows = await queryRows<RunRow>(
    db,
    `WITH upd AS (
       UPDATE runs r SET ${sets.join(", ")} WHERE ${guard} RETURNING r.*
     ), audit AS (
       INSERT INTO run_audit_entries (run_id, actor, action, at, metadata)
       SELECT id, $4, $5, updated_at, $6::jsonb FROM upd
     )${steps}
     SELECT ${RUN_COLUMNS} FROM upd r`,
    params,
    // The text depends only on which options are set: a handful of shapes, each prepared once per connection.
    true,
  );
  return rows[0] ?? null;
}
