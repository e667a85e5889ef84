import { queryRows, type Queryable } from "../db";
import { withDbRetry, type DbRetryOptions } from "../db-retry";
import type { ExpressionLimits } from "../engine/expression-limits";
import { transitionRunDurably } from "../runs/durable-writes";
import type { RunRow } from "../runs/run-row";
import type { Transition } from "../runs/transition";
import { LIMITED_WORKFLOW_SQL } from "../runs/transition-sql";
import { concurrencyKeyOf } from "./concurrency-key";

/** A limited start: the run, its concurrency key value and whether its workflow has a workflow-wide limit. */
export type LimitedStart = { run: RunRow; key: string; workflowWide: boolean };

/** Refused: waits for a concurrency slot (woken by a finishing run), or for its rate window at `until`. */
export type StartRefusal =
  { blocked: "concurrency" } | { blocked: "rate_limit"; until: Date; route: { queue: string; priority: number } };

type Candidate = {
  input: unknown;
  keyExpression: string | null;
  rateKeyExpression: string | null;
  workflowWide: boolean;
};

/**
 * Starts a pending, due run of a workflow with flow limits (the worker's first, unlimited try refused it): its
 * keys are evaluated and the start's guarded statement asks switchyard_start_wait. Refused, the run is marked
 * with the reason (and, over a rate limit, the run_at of its window). Refused a concurrency slot, it asks once
 * more: a slot freed between the refusal and the mark is seen then, and one freed after it wakes this run
 * (`wakeBlockedRuns` reads the mark). Null: the run is not such a run (not pending, not due, or no limits).
 */
export async function startLimitedRun(
  db: Queryable,
  start: Transition,
  retry: DbRetryOptions,
  limits?: ExpressionLimits,
): Promise<LimitedStart | StartRefusal | null> {
  const [candidate] = await withDbRetry(
    () =>
      queryRows<Candidate>(
        db,
        `SELECT r.input_payload AS input, w.concurrency_key AS "keyExpression", w.rate_key AS "rateKeyExpression",
                w.max_running IS NOT NULL AS "workflowWide"
         FROM runs r JOIN workflows w ON w.id = r.workflow_id
         WHERE r.id = $1::uuid AND r.status = 'pending' AND (r.run_at IS NULL OR r.run_at <= clock_timestamp())
           AND EXISTS (${LIMITED_WORKFLOW_SQL})`,
        [start.runId],
        true,
      ),
    retry,
  );
  if (candidate === undefined) return null;
  const key = await concurrencyKeyOf(candidate.keyExpression, candidate.input, start.runId, limits);
  const rateKey = await concurrencyKeyOf(candidate.rateKeyExpression, candidate.input, start.runId, limits);
  const slotted: Transition = { ...start, slot: { key, rateKey } };
  const started = (run: RunRow) => ({ run, key, workflowWide: candidate.workflowWide });
  const first = await transitionRunDurably(db, slotted, retry);
  if (first !== null) return started(first);
  const [mark] = await withDbRetry(
    () =>
      queryRows<{ wait: string; queue: string; priority: number }>(
        db,
        // Not a status change: the run stays pending, with the reason and the keys a finishing run wakes it by.
        `WITH why AS (
           SELECT switchyard_start_wait(r.id, r.workflow_id, $2, $3, r.created_at, r.run_at) AS wait
           FROM runs r WHERE r.id = $1::uuid AND r.status = 'pending'
         )
         UPDATE runs r SET blocked_by = split_part(why.wait, ' ', 1), concurrency_key = $2, rate_key = $3,
           run_at = CASE WHEN why.wait LIKE 'rate_limit %'
                         THEN to_timestamp(split_part(why.wait, ' ', 2)::bigint / 1000.0) ELSE r.run_at END
         FROM why WHERE r.id = $1::uuid AND r.status = 'pending' AND why.wait IS NOT NULL
         RETURNING why.wait AS wait, r.queue, r.priority`,
        [start.runId, key, rateKey],
        true,
      ),
    retry,
  );
  if (mark !== undefined && mark.wait.startsWith("rate_limit ")) {
    const until = new Date(Number(mark.wait.slice("rate_limit ".length)));
    return { blocked: "rate_limit", until, route: { queue: mark.queue, priority: mark.priority } };
  }
  const second = await transitionRunDurably(db, slotted, retry);
  return second === null ? { blocked: "concurrency" } : started(second);
}
