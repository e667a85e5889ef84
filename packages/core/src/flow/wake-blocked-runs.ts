import { queryRows, type Queryable } from "../db";
import { enqueueWake, type Queues } from "../jobs/queues";

/**
 * Takes woken runs to start in this process instead of enqueueing them; answers the ones it did not take, which
 * are enqueued as before.
 */
export type WokenHandOff = (runIds: readonly string[]) => readonly string[];

/**
 * After a run of a limited workflow leaves running (finished, parked, retried, handed back), its slot is free:
 * the oldest run refused a slot of the same key is woken, and with a workflow-wide limit the oldest refused run
 * of the workflow too, read by switchyard_wake_blocked under the locks a start takes (so a start that marked
 * itself blocked meanwhile is seen: `startLimitedRun`). Woken runs are handed to `handOff` (the worker starts one
 * in the same job, with no round trip through Redis), or enqueued again. A woken run that still finds no slot is
 * marked blocked again; one whose wake was lost (a worker died in between) is enqueued again by the reconciler.
 */
export async function wakeBlockedRuns(
  deps: { db: Queryable; queues: Pick<Queues, "runs"> },
  workflowId: string,
  key: string,
  handOff?: WokenHandOff,
): Promise<string[]> {
  const rows = await queryRows<{ id: string }>(
    deps.db,
    `SELECT w.id::text AS id FROM switchyard_wake_blocked($1::uuid, $2) AS w(id)`,
    [workflowId, key],
    true,
  );
  const ids = rows.map((r) => r.id);
  const left = handOff === undefined || ids.length === 0 ? ids : handOff(ids);
  await enqueueWakes(deps.queues, left);
  return ids;
}

/** A wake job for each run, now. */
export async function enqueueWakes(queues: Pick<Queues, "runs">, runIds: readonly string[]): Promise<void> {
  const now = Date.now();
  await Promise.all(runIds.map((id) => enqueueWake(queues, id, now)));
}
