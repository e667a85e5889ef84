import type { Queryable } from "../db";
import { coalescePerTurn } from "../coalesce";
import { isDbUnavailable } from "../db-errors";
import type { RunRow } from "./run-row";
import { transitionRunsOfShape } from "./transition-run";
import { transitionShape, type Transition } from "./transition";

/** `transitionRun`, with the transitions of one shape issued in the same turn sharing one statement. */
export type TransitionBatcher = (t: Transition) => Promise<RunRow | null>;

/**
 * A worker with many runs in flight starts and finishes them in bursts: each burst's starts (and outcomes) become
 * one `transitionRuns` statement, one round trip and one commit instead of one per run, with every guard, fence,
 * lease, audit entry and step kept per run. A batch Postgres refuses is retried one run per statement, so a
 * transition Postgres refuses fails alone; a batch that may have been applied (the connection failed) fails every
 * caller with that error, for its durable write to look for the change before trying again.
 */
export function createTransitionBatcher(db: Queryable, maxBatch = 100): TransitionBatcher {
  return coalescePerTurn<Transition, RunRow | null>({
    // The shape is worked out once per transition, as its batch's key.
    settle: (ts, shape) => transitionRunsOfShape(db, shape, ts),
    key: transitionShape,
    identity: (t) => t.runId,
    maxBatch,
    retryAlone: (err) => !isDbUnavailable(err),
  });
}
