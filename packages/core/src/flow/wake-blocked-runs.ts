import { queryRows, type Queryable } from "../db";
import { enqueueWake, type Queues, type RunRoute } from "../jobs/queues";

/**
 * After a run of a limited workflow leaves running (finished, parked, retried, handed back), its slot is free:
 * the oldest run refused a slot of the same key is enqueued again, and with a workflow-wide limit the oldest
 * refused run of the workflow too. A woken run that still finds no slot is marked blocked again; one whose wake
 * was lost (a worker died in between) is enqueued again by the reconciler.
 */
export async function wakeBlockedRuns(
  deps: { db: Queryable; queues: Pick<Queues, "runQueue"> },
  workflowId: string,
  key: string,
  workflowWide: boolean,
): Promise<string[]> {
  const sameKey = `SELECT id, queue, priority FROM runs WHERE workflow_id = $1::uuid AND status = 'pending' AND blocked_by = 'concurrency'
                     AND concurrency_key = $2 ORDER BY created_at, id LIMIT 1`;
  const anyKey = `SELECT id, queue, priority FROM runs WHERE workflow_id = $1::uuid AND status = 'pending' AND blocked_by = 'concurrency'
                    ORDER BY created_at, id LIMIT 1`;
  const rows = await queryRows<RunRoute>(
    deps.db,
    workflowWide
      ? `SELECT id::text AS id, queue, priority FROM ((${sameKey}) UNION (${anyKey})) AS w`
      : `SELECT id::text AS id, queue, priority FROM (${sameKey}) AS w`,
    [workflowId, key],
    true,
  );
  const now = Date.now();
  await Promise.all(rows.map((r) => enqueueWake(deps.queues, r, now)));
  return rows.map((r) => r.id);
}
