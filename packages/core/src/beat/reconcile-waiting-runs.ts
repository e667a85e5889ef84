import type { Deps } from "../deps";
import { resumeJobId } from "../jobs/catalog";
import { enqueueResume, type RunRoute } from "../jobs/queues";
import { nextWakeUp, type WaitingFor } from "../engine/wait-state";

type WaitingRun = { id: string; queue: string; priority: number; waitingFor: WaitingFor | null };

/**
 * Re-schedules the resume job of every waiting run (parked before `before`) whose job Redis no longer holds: after
 * a flush or a restart without persistence, a parked run would otherwise wait forever. The job is the one the
 * worker added when the run parked (same id: the earliest delay end or signal deadline from `waiting_for`), so a
 * run whose job survived is left alone, and one that lost it gets it back at its due time (now, if it has passed).
 * A run waiting only for a signal without deadline needs no job. Idempotent by job id; a resume of a run that is no
 * longer waiting is a no-op.
 */
export async function reconcileWaitingRuns(
  deps: Pick<Deps, "db" | "queues">,
  options: { before: Date; limit?: number },
): Promise<string[]> {
  const runs = await deps.db.$queryRawUnsafe<WaitingRun[]>(
    `SELECT id::text AS id, queue, priority, waiting_for AS "waitingFor" FROM runs
     WHERE status = 'waiting' AND updated_at < $1::timestamptz ORDER BY updated_at LIMIT $2`,
    options.before.toISOString(),
    options.limit ?? 1_000,
  );
  const due = runs.flatMap((r) => {
    const at = nextWakeUp(r.waitingFor ?? {});
    return at === null ? [] : [{ run: r, at }];
  });
  const present = await Promise.all(
    due.map(async ({ run, at }) => {
      // A run re-parked on the wait whose job was running got the job one millisecond later (see park).
      const queue = deps.queues.runQueue(run.queue);
      const [job, later] = await Promise.all([
        queue.getJob(resumeJobId(run.id, at)),
        queue.getJob(resumeJobId(run.id, new Date(at.getTime() + 1))),
      ]);
      return job !== undefined || later !== undefined;
    }),
  );
  const lost = due.filter((_, i) => !present[i]);
  await Promise.all(lost.map(({ run, at }) => enqueueResume(deps.queues, run, at)));
  // Refused a slot to resume in, with no live run of its key left to wake it (that wake was lost with its worker):
  // a resume now, which takes the slot or marks the run blocked again.
  const blocked = await deps.db.$queryRawUnsafe<RunRoute[]>(
    `SELECT r.id::text AS id, r.queue, r.priority FROM runs r
     WHERE r.status = 'waiting' AND r.blocked_by = 'concurrency' AND r.updated_at < $1::timestamptz
       AND NOT EXISTS (SELECT 1 FROM runs h WHERE h.workflow_id = r.workflow_id AND h.status = 'running'
                         AND h.concurrency_key = r.concurrency_key AND h.lease_expires_at >= clock_timestamp())
     ORDER BY r.updated_at LIMIT $2`,
    options.before.toISOString(),
    options.limit ?? 1_000,
  );
  const now = new Date();
  await Promise.all(blocked.map((run) => enqueueResume(deps.queues, run, now)));
  return [...lost.map((r) => r.run.id), ...blocked.map((r) => r.id)];
}
