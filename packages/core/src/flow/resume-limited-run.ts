import { queryRows, type Queryable } from "../db";
import { withDbRetry, type DbRetryOptions } from "../db-retry";
import type { ExpressionLimits } from "../engine/expression-limits";
import { transitionRunDurably } from "../runs/durable-writes";
import type { RunRow } from "../runs/run-row";
import type { Transition } from "../runs/transition";
import { LIMITED_WORKFLOW_SQL } from "../runs/transition-sql";
import { concurrencyKeyOf } from "./concurrency-key";
import type { LimitedStart } from "./start-limited-run";

type Candidate = { input: unknown; heldKey: string | null; keyExpression: string | null; workflowWide: boolean };

/**
 * Resumes a waiting run of a workflow with flow limits (the worker's first, unlimited try refused it): it takes a
 * concurrency slot again, as a start does, its key being the one it started with (or, for a run started before its
 * workflow had limits, its key now). Its rate limit is not asked: a resume is no start. Refused, the run stays
 * waiting, marked `blocked_by: "concurrency"`, and asks once more (a slot freed between the refusal and the mark is
 * seen then, one freed after it wakes this run: `wakeBlockedRuns`). Null: the run is not such a run (not waiting,
 * or its workflow has no limits).
 */
export async function resumeLimitedRun(
  db: Queryable,
  resume: Transition,
  retry: DbRetryOptions,
  limits?: ExpressionLimits,
): Promise<LimitedStart | { blocked: "concurrency" } | null> {
  const [candidate] = await withDbRetry(
    () =>
      queryRows<Candidate>(
        db,
        `SELECT r.input_payload AS input, r.concurrency_key AS "heldKey", w.concurrency_key AS "keyExpression",
                w.max_running IS NOT NULL AS "workflowWide"
         FROM runs r JOIN workflows w ON w.id = r.workflow_id
         WHERE r.id = $1::uuid AND r.status = 'waiting' AND EXISTS (${LIMITED_WORKFLOW_SQL})`,
        [resume.runId],
        true,
      ),
    retry,
  );
  if (candidate === undefined) return null;
  const key =
    candidate.heldKey ?? (await concurrencyKeyOf(candidate.keyExpression, candidate.input, resume.runId, limits));
  const slotted: Transition = { ...resume, slot: { resumeKey: key } };
  const resumed = (run: RunRow) => ({ run, key, workflowWide: candidate.workflowWide });
  const first = await transitionRunDurably(db, slotted, retry);
  if (first !== null) return resumed(first);
  await withDbRetry(
    () =>
      queryRows(
        db,
        // Not a status change: the run stays waiting, with the reason and the key a finishing run wakes it by.
        `UPDATE runs SET blocked_by = 'concurrency', concurrency_key = $2
         WHERE id = $1::uuid AND status = 'waiting'`,
        [resume.runId, key],
        true,
      ),
    retry,
  );
  const second = await transitionRunDurably(db, slotted, retry);
  return second === null ? { blocked: "concurrency" } : resumed(second);
}
