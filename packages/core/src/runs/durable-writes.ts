import { randomUUID } from "node:crypto";
import { queryRows, type Queryable } from "../db";
import { withDbRetry, type DbRetryOptions } from "../db-retry";
import type { StepRecord } from "../engine/execute-graph";
import { RUN_COLUMNS, type RunRow } from "./run-row";
import { transitionRun } from "./transition-run";
import type { TransitionBatcher } from "./transition-batcher";
import { type Transition } from "./transition";
import { recordSteps } from "./record-steps";

/** Retry options for one run's database writes (DATABASE_RETRY_MAX_SECONDS as `dbRetryMaxMs`; default 120 s). */
export function runWriteRetry(
  deps: { dbRetryMaxMs?: number; logger: DbRetryOptions["logger"] },
  runId: string,
  jobId: string,
): DbRetryOptions {
  return { maxMs: deps.dbRetryMaxMs ?? 120_000, logger: deps.logger, meta: { runId, jobId } };
}

/**
 * A worker's run writes, retried through a Postgres outage (`withDbRetry`). A guarded update can commit and lose
 * its reply: its retry then changes zero rows and would read as "someone else got there first". So every retry
 * first looks for the change itself (the run in the target state, with this write's audit entry, at the same
 * attempt) and takes it as done; only a change that did not happen is issued again. First tries are unchanged:
 * no extra round trip on the hot path.
 */
export async function transitionRunDurably(
  db: Queryable,
  t: Transition,
  retry: DbRetryOptions,
  /** Takes the first try (a worker's `createTransitionBatcher`); retries are issued alone. */
  firstTry?: TransitionBatcher,
): Promise<RunRow | null> {
  // Without an attempt fence (a start, a resume) the audit entry carries an id of this write to recognise it by.
  const writeId = t.attempt === undefined ? randomUUID() : null;
  const write = writeId === null ? t : { ...t, metadata: { ...t.metadata, write_id: writeId } };
  return withDbRetry(async (n) => {
    if (n > 0) {
      const applied = await findAppliedTransition(db, write, writeId);
      if (applied !== null) return applied;
    }
    if (n === 0 && firstTry !== undefined) return firstTry(write);
    return transitionRun(db, n > 0 ? { ...write, dedupeSteps: true } : write);
  }, retry);
}

/** Steps appended by `recordSteps`, retried through an outage, each written once. */
export async function recordStepsDurably(
  db: Queryable,
  runId: string,
  attempt: number,
  steps: readonly StepRecord[],
  retry: DbRetryOptions,
): Promise<number> {
  return withDbRetry((n) => recordSteps(db, runId, attempt, steps, { dedupe: n > 0 }), retry);
}

/** The run as `t` left it, if `t` was applied: target status, its audit entry as the latest change, same attempt. */
async function findAppliedTransition(db: Queryable, t: Transition, writeId: string | null): Promise<RunRow | null> {
  const rows = await queryRows<RunRow>(
    db,
    `SELECT ${RUN_COLUMNS} FROM runs r
     WHERE r.id = $1::uuid AND r.status = $2 AND ($3::int IS NULL OR r.attempt = $3::int)
       AND EXISTS (SELECT 1 FROM run_audit_entries a
                   WHERE a.run_id = r.id AND a.action = $4 AND a.actor = $5 AND a.at = r.updated_at
                     AND ($6::text IS NULL OR a.metadata->>'write_id' = $6::text))`,
    [t.runId, t.to, t.attempt ?? null, t.action, t.actor, writeId],
  );
  return rows[0] ?? null;
}
