import type { Queryable } from "../db";
import { enqueueWake, type Queues } from "../jobs/queues";
import { unbatchedFlow, type FlowBatchers, type FreedSlot, type WokenRun } from "./flow-batchers";

/**
 * Takes woken runs to start in this process instead of enqueueing them; answers the ones it did not take, which
 * are enqueued as before.
 */
export type WokenHandOff = (woken: readonly WokenRun[]) => readonly WokenRun[];

/**
 * After a run of a limited workflow leaves running (finished, parked, retried, handed back), its slot is free:
 * the oldest run refused a slot of the same key is woken, and with a workflow-wide limit the oldest refused run
 * of the workflow too, read by switchyard_wake_blocked under the locks a start takes (so a start that marked
 * itself blocked meanwhile is seen: `startLimitedRun`); the wakes of one turn share that statement (`flow`). Woken runs are handed to `handOff` (the worker starts one
 * in the same job, with no round trip through Redis), or enqueued again. A woken run that still finds no slot is
 * marked blocked again; one whose wake was lost (a worker died in between) is enqueued again by the reconciler.
 */
export async function wakeBlockedRuns(
  deps: { db: Queryable; queues: Pick<Queues, "runs">; flow?: FlowBatchers },
  slot: FreedSlot,
  handOff?: WokenHandOff,
): Promise<string[]> {
  const woken = await (deps.flow ?? unbatchedFlow(deps.db)).wake(slot);
  const left = handOff === undefined || woken.length === 0 ? woken : handOff(woken);
  await enqueueWakes(
    deps.queues,
    left.map((w) => w.id),
  );
  return woken.map((w) => w.id);
}

/** A wake job for each run, now. */
export async function enqueueWakes(queues: Pick<Queues, "runs">, runIds: readonly string[]): Promise<void> {
  const now = Date.now();
  await Promise.all(runIds.map((id) => enqueueWake(queues, id, now)));
}
