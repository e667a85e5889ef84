import { queryRows, type Queryable } from "../db";
import { withDbRetry, type DbRetryOptions } from "../db-retry";
import type { ExpressionLimits } from "../engine/expression-limits";
import { transitionRunDurably } from "../runs/durable-writes";
import type { RunRow } from "../runs/run-row";
import type { Transition } from "../runs/transition";
import type { TransitionBatcher } from "../runs/transition-batcher";
import { concurrencyKeyOf } from "./concurrency-key";
import { unbatchedFlow, type FlowBatchers, type LimitedCandidate } from "./flow-batchers";

/** A limited start: the run, its concurrency key value and whether its workflow has a workflow-wide limit. */
export type LimitedStart = { run: RunRow; key: string; workflowWide: boolean };

/**
 * Refused: waits for a concurrency slot (woken by a finishing run), or for its rate window at `until`; or, after
 * starts and marks that kept crossing other runs' changes, tries again at `until`. `route`: where its job goes.
 */
export type StartRefusal =
  | { blocked: "concurrency" }
  | { blocked: "rate_limit" | "contended"; until: Date; route: { queue: string; priority: number } };

/** Each try either starts the run or marks it, unless a slot changed hands in between: a bound, never reached. */
const MAX_TRIES = 5;
const CONTENDED_RETRY_MS = 1_000;

/**
 * Starts a pending, due run of a workflow with flow limits (the worker's first, unlimited try refused it, or it
 * was woken by a freed slot): its keys are evaluated and the start's guarded statement asks switchyard_start_wait
 * (the first try through `transitions`: the limited starts of one turn share a statement, as their reads do
 * through `flow`). Refused, it is marked blocked with the reason (and, over a rate limit, the run_at of its
 * window) by one statement that asks again:
 * the mark is decided and committed under the key's advisory lock, which a finishing run's wake takes too
 * (`wakeBlockedRuns`), so either the wake sees the mark or the mark's decision sees the slot free (then the start
 * is tried again). Null: the run is not such a run (not pending, not due, or no limits).
 */
export async function startLimitedRun(
  db: Queryable,
  start: Transition,
  retry: DbRetryOptions,
  opts: {
    limits?: ExpressionLimits;
    transitions?: TransitionBatcher;
    flow?: FlowBatchers;
    /** Already read (by the wake of a woken run): not read again. */
    candidate?: LimitedCandidate;
  } = {},
): Promise<LimitedStart | StartRefusal | null> {
  const flow = opts.flow ?? unbatchedFlow(db);
  const candidate = opts.candidate ?? (await withDbRetry(() => flow.candidate(start.runId), retry));
  if (candidate === null) return null;
  const { limits, transitions } = opts;
  const key = await concurrencyKeyOf(candidate.keyExpression, candidate.input, start.runId, limits);
  const rateKey = await concurrencyKeyOf(candidate.rateKeyExpression, candidate.input, start.runId, limits);
  const slotted: Transition = { ...start, slot: { key, rateKey } };
  for (let tries = 0; tries < MAX_TRIES; tries++) {
    const run = await transitionRunDurably(db, slotted, retry, tries === 0 ? transitions : undefined);
    if (run !== null) return { run, key, workflowWide: candidate.workflowWide };
    const wait = await markBlocked(db, start.runId, key, rateKey, retry);
    if (wait !== null) return refusalOf(wait, candidate.route);
  }
  return { blocked: "contended", until: new Date(Date.now() + CONTENDED_RETRY_MS), route: candidate.route };
}

/** Not a status change: a run that may not start now stays pending, with the reason and the keys a wake reads. */
async function markBlocked(
  db: Queryable,
  runId: string,
  key: string,
  rateKey: string,
  retry: DbRetryOptions,
): Promise<string | null> {
  const [mark] = await withDbRetry(
    () =>
      queryRows<{ wait: string; queue: string; priority: number }>(
        db,
        `WITH why AS (
           SELECT switchyard_start_wait(r.id, r.workflow_id, $2, $3, r.created_at, r.run_at) AS wait
           FROM runs r WHERE r.id = $1::uuid AND r.status = 'pending'
         )
         UPDATE runs r SET blocked_by = split_part(why.wait, ' ', 1), concurrency_key = $2, rate_key = $3,
           run_at = CASE WHEN why.wait LIKE 'rate_limit %'
                         THEN to_timestamp(split_part(why.wait, ' ', 2)::bigint / 1000.0) ELSE r.run_at END
         FROM why WHERE r.id = $1::uuid AND r.status = 'pending' AND why.wait IS NOT NULL
         RETURNING why.wait AS wait`,
        [runId, key, rateKey],
        true,
      ),
    retry,
  );
  return mark?.wait ?? null;
}

function refusalOf(wait: string, route: { queue: string; priority: number }): StartRefusal {
  if (!wait.startsWith("rate_limit ")) return { blocked: "concurrency" };
  return { blocked: "rate_limit", until: new Date(Number(wait.slice("rate_limit ".length))), route };
}
