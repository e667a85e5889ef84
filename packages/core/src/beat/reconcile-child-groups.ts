import type { Deps } from "../deps";
import { enqueueResume, type RunRoute } from "../jobs/queues";
import { settleChildGroup } from "../runs/child-runs";

/**
 * Repairs what a process that died between a child's outcome and the work after it left undone (each step is
 * idempotent, so a beat racing a worker does no harm):
 * - an open group (unclaimed, untouched since `before`): its free slots are filled, or, resolved, its parent's
 *   resume is claimed and enqueued;
 * - a parent still waiting on a group that resolved before `before` (its resume job was lost): a new resume job.
 * The parent's waiting → running is guarded, so a repair never resumes it twice. Returns the groups it repaired
 * and the parents it resumed.
 */
export async function reconcileChildGroups(
  deps: Pick<Deps, "db" | "queues" | "logger">,
  options: { before: Date; limit?: number },
): Promise<string[]> {
  const limit = options.limit ?? 500;
  const open = await deps.db.$queryRawUnsafe<{ id: string }[]>(
    `SELECT id::text AS id FROM run_child_groups WHERE resume_claimed = false AND updated_at < $1::timestamptz
     ORDER BY updated_at LIMIT $2`,
    options.before.toISOString(),
    limit,
  );
  const repaired: string[] = [];
  for (const { id } of open) if (await settleChildGroup(deps, id)) repaired.push(id);
  // Groups still open (children running long) go to the back, so the next pass looks at the others first.
  if (open.length > 0) {
    await deps.db.$executeRawUnsafe(
      `UPDATE run_child_groups SET updated_at = clock_timestamp() WHERE id = ANY($1::uuid[]) AND NOT resume_claimed`,
      open.map((g) => g.id),
    );
  }
  const stuck = await deps.db.$queryRawUnsafe<RunRoute[]>(
    `SELECT DISTINCT r.id::text AS id, r.queue, r.priority FROM runs r
     CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(r.waiting_for) = 'object' THEN r.waiting_for ELSE '{}' END) w
     JOIN run_child_groups g ON w.value->>'kind' = 'children' AND g.id = (w.value->>'group_id')::uuid
     WHERE r.status = 'waiting' AND r.updated_at < $1::timestamptz AND g.resolved_at < $1::timestamptz
     LIMIT $2`,
    options.before.toISOString(),
    limit,
  );
  const now = new Date();
  await Promise.all(stuck.map((run) => enqueueResume(deps.queues, run, now)));
  return [...repaired, ...stuck.map((r) => r.id)];
}
