import type { Queryable } from "../db";
import { enqueueResume, enqueueWake, type Queues } from "../jobs/queues";
import { unbatchedFlow, type FlowBatchers, type FreedSlot, type WokenRun } from "./flow-batchers";

/**
 * Takes woken runs to start in this process instead of enqueueing them; answers the ones it did not take, which
 * are enqueued as before.
 */
export type WokenHandOff = (woken: readonly WokenRun[]) => readonly WokenRun[];

/**
 * After a run of a limited workflow leaves running (finished, parked, retried, handed back), its slot is free:
 * the oldest run refused a slot of the same key is woken, and with a workflow-wide limit the oldest refused run
 * of the workflow too; a waiting run refused a slot to resume in is woken likewise (its resume job), oldest first.
 * They are read by switchyard_wake_blocked under the locks a start takes (so a start that marked itself blocked
 * meanwhile is seen: `startLimitedRun`); the wakes of one turn share that statement (`flow`). A woken pending run
 * may be handed to `handOff` (the worker starts it in the same job, with no round trip through Redis); the others
 * are enqueued. A woken run that still finds no slot is marked blocked again; one whose wake was lost (a worker
 * died in between) is enqueued again by the reconciler.
 */
export async function wakeBlockedRuns(
  deps: { db: Queryable; queues: Pick<Queues, "runQueue">; flow?: FlowBatchers },
  slot: FreedSlot,
  handOff?: WokenHandOff,
): Promise<string[]> {
  const woken = await (deps.flow ?? unbatchedFlow(deps.db)).wake(slot);
  const startable = woken.filter((w) => !w.resume);
  const left = handOff === undefined || startable.length === 0 ? startable : handOff(startable);
  await enqueueWakes(deps.queues, [...woken.filter((w) => w.resume), ...left]);
  return woken.map((w) => w.id);
}

/** A wake job for each run (a resume job for a waiting one), now. */
export async function enqueueWakes(queues: Pick<Queues, "runQueue">, runs: readonly WokenRun[]): Promise<void> {
  const now = Date.now();
  await Promise.all(
    runs.map((w) =>
      w.resume ? enqueueResume(queues, w.route, new Date(now), now) : enqueueWake(queues, w.route, now),
    ),
  );
}
