import type { Db } from "../db";
import type { Logger } from "../logger";
import { enqueueResume, type Queues, type RunRoute } from "../jobs/queues";
import type { WaitingFor } from "../engine/wait-state";

/**
 * Just parked on child runs: a group that resolved before the park committed had its resume refused (the run was
 * still running), so the run enqueues its own. A group resolving later finds the run waiting.
 */
export async function resumeIfChildrenDone(
  deps: { db: Db; logger: Logger; queues?: Pick<Queues, "runQueue"> },
  run: RunRoute,
  waitingFor: WaitingFor,
): Promise<void> {
  const groups = Object.values(waitingFor).flatMap((w) => (w.kind === "children" ? [w.group_id] : []));
  if (groups.length === 0 || deps.queues === undefined) return;
  const [row] = await deps.db.$queryRawUnsafe<{ done: boolean }[]>(
    `SELECT EXISTS (SELECT 1 FROM run_child_groups WHERE id = ANY($1::uuid[]) AND resolved_at IS NOT NULL) AS done`,
    groups,
  );
  if (row?.done !== true) return;
  deps.logger.info("child runs done before the park, resuming", { runId: run.id });
  await enqueueResume(deps.queues, run, new Date());
}
