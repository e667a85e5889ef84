import type { Db } from "../db";
import { RUN_COLUMNS, type RunRow } from "./run-row";
import { sourcesOf, type RunStatus } from "./run-status";

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
  /** runs.waiting_for: the parked nodes of a run going to `waiting`. */
  waitingFor?: unknown;
};

/**
 * The one way a run's status changes: a guarded UPDATE (status IN sources [AND attempt = n]) plus its audit
 * entry in the same statement. Returns the updated run, or null when the guard did not hold (someone else
 * got there first): callers never read-then-write.
 */
export async function transitionRun(db: Db, t: Transition): Promise<RunRow | null> {
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
  if (t.error !== undefined) {
    params.push(t.error);
    sets.push(`error = $${params.length}`);
  }
  let guard = `r.id = $1::uuid AND r.status = ANY($3::text[])`;
  if (t.due === true) guard += ` AND (r.run_at IS NULL OR r.run_at <= clock_timestamp())`;
  if (t.attempt !== undefined) {
    params.push(t.attempt);
    guard += ` AND r.attempt = $${params.length}`;
  }
  const rows = await db.$queryRawUnsafe<RunRow[]>(
    `WITH upd AS (
       UPDATE runs r SET ${sets.join(", ")} WHERE ${guard} RETURNING r.*
     ), audit AS (
       INSERT INTO run_audit_entries (run_id, actor, action, at, metadata)
       SELECT id, $4, $5, updated_at, $6::jsonb FROM upd
     )
     SELECT ${RUN_COLUMNS} FROM upd r`,
    ...params,
  );
  return rows[0] ?? null;
}
