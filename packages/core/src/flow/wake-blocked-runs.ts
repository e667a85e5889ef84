import { queryRows, type Queryable } from "../db";
import { enqueueResume, enqueueWake, type Queues, type RunRoute } from "../jobs/queues";

/**
 * After a run of a limited workflow leaves running (finished, parked, retried, handed back), its slot is free:
 * the oldest run refused a slot of the same key is enqueued again, and with a workflow-wide limit the oldest
 * refused run of the workflow too; a waiting run refused a slot to resume in is woken likewise (its resume job),
 * oldest first. A woken run that still finds no slot is marked blocked again; one whose wake was lost (a worker died
 * in between) is enqueued again by the reconciler.
 */
export async function wakeBlockedRuns(
  deps: { db: Queryable; queues: Pick<Queues, "runQueue"> },
  workflowId: string,
  key: string,
  workflowWide: boolean,
): Promise<string[]> {
  const oldest = (status: "pending" | "waiting", sameKey: boolean) => {
    const order = status === "pending" ? "created_at, id" : "updated_at, id";
    return `SELECT id, queue, priority, status FROM runs
            WHERE workflow_id = $1::uuid AND status = '${status}' AND blocked_by = 'concurrency'
              ${sameKey ? "AND concurrency_key = $2" : ""} ORDER BY ${order} LIMIT 1`;
  };
  const parts = [oldest("pending", true), oldest("waiting", true)];
  if (workflowWide) parts.push(oldest("pending", false), oldest("waiting", false));
  const rows = await queryRows<RunRoute & { status: string }>(
    deps.db,
    `SELECT id::text AS id, queue, priority, status FROM (${parts.map((p) => `(${p})`).join(" UNION ")}) AS w`,
    [workflowId, key],
    true,
  );
  const now = Date.now();
  await Promise.all(
    rows.map((r) =>
      r.status === "waiting" ? enqueueResume(deps.queues, r, new Date(now), now) : enqueueWake(deps.queues, r, now),
    ),
  );
  return rows.map((r) => r.id);
}
