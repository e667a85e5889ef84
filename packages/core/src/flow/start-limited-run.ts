import { queryRows, type Queryable } from "../db";
import type { DbRetryOptions } from "../db-retry";
import { withDbRetry } from "../db-retry";
import type { ExpressionLimits } from "../engine/expression-limits";
import { transitionRunDurably } from "../runs/durable-writes";
import type { RunRow } from "../runs/run-row";
import type { Transition } from "../runs/transition";
import { concurrencyKeyOf } from "./concurrency-key";

/** What a limited start holds: the run, its key value and whether its workflow has a workflow-wide limit. */
export type LimitedStart = { run: RunRow; key: string; workflowWide: boolean };

type Candidate = { input: unknown; keyExpression: string | null; workflowWide: boolean };

/**
 * Starts a pending, due run of a workflow with concurrency limits (the worker's first, unlimited try refused it):
 * its key is evaluated and the start takes a slot in its guarded statement. Refused a slot, the run is marked
 * `blocked_by: "concurrency"` and asks once more: a slot freed between the refusal and the mark is seen then,
 * and one freed after it wakes this run (`wakeBlockedRuns` reads the mark). Null: the run is not such a run (not
 * pending, not due, or its workflow has no limits); "blocked": it waits for a slot, its job done.
 */
export async function startLimitedRun(
  db: Queryable,
  start: Transition,
  retry: DbRetryOptions,
  limits?: ExpressionLimits,
): Promise<LimitedStart | "blocked" | null> {
  const [candidate] = await withDbRetry(
    () =>
      queryRows<Candidate>(
        db,
        `SELECT r.input_payload AS input, w.concurrency_key AS "keyExpression",
                w.max_running IS NOT NULL AS "workflowWide"
         FROM runs r JOIN workflows w ON w.id = r.workflow_id
         WHERE r.id = $1::uuid AND r.status = 'pending' AND (r.run_at IS NULL OR r.run_at <= clock_timestamp())
           AND (w.max_running IS NOT NULL OR w.max_running_per_key IS NOT NULL)`,
        [start.runId],
        true,
      ),
    retry,
  );
  if (candidate === undefined) return null;
  const key = await concurrencyKeyOf(candidate.keyExpression, candidate.input, start.runId, limits);
  const slotted: Transition = { ...start, slot: { key } };
  const first = await transitionRunDurably(db, slotted, retry);
  if (first !== null) return { run: first, key, workflowWide: candidate.workflowWide };
  await withDbRetry(
    () =>
      queryRows(
        db,
        // Not a status change: the run stays pending, with the reason and the key a finishing run wakes it by.
        `UPDATE runs SET blocked_by = 'concurrency', concurrency_key = $2 WHERE id = $1::uuid AND status = 'pending'`,
        [start.runId, key],
        true,
      ),
    retry,
  );
  const second = await transitionRunDurably(db, slotted, retry);
  return second === null ? "blocked" : { run: second, key, workflowWide: candidate.workflowWide };
}
