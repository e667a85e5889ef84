import type { RunChangePublisher } from "../run-events/run-change-publisher";
import type { RedisConnection } from "../redis";
import type { Db } from "../db";
import type { Logger } from "../logger";
import { cancelOutcome } from "./run-actions";
import { publishRunCancel } from "./run-cancellation";
import { transitionRuns } from "./transition-run";

const BATCH = 500;

/**
 * Cancels `rootIds` and every live descendant (child runs, their children, ...). First the groups of every run in
 * the trees are closed (resolved, their resume taken): a group's row lock orders this after any child creation in
 * flight, so the descendants read next include every child that will ever exist. Then each live one is cancelled
 * by a guarded transition, and running ones are stopped on their workers.
 */
export async function cancelRunTrees(
  deps: {
    db: Db;
    logger: Logger;
    cancels?: { redis: RedisConnection; prefix: string };
    changes?: Pick<RunChangePublisher, "changed">;
  },
  rootIds: readonly string[],
  opts: { actor: string; reason: string },
): Promise<number> {
  if (rootIds.length === 0) return 0;
  const tree = `WITH RECURSIVE tree AS (
       SELECT id FROM runs WHERE id = ANY($1::uuid[])
       UNION SELECT r.id FROM runs r JOIN tree t ON r.parent_run_id = t.id
     )`;
  await deps.db.$executeRawUnsafe(
    `${tree}
     UPDATE run_child_groups g SET resolved_at = coalesce(g.resolved_at, clock_timestamp()), resume_claimed = true,
       updated_at = clock_timestamp()
     WHERE g.parent_run_id IN (SELECT id FROM tree) AND NOT g.resume_claimed`,
    rootIds,
  );
  const live = await deps.db.$queryRawUnsafe<{ id: string; status: string }[]>(
    `${tree}
     SELECT r.id::text AS id, r.status FROM runs r JOIN tree USING (id) WHERE r.status IN ('pending', 'running', 'waiting')`,
    rootIds,
  );
  const { metadata, error } = cancelOutcome(opts.reason);
  let cancelled = 0;
  for (let i = 0; i < live.length; i += BATCH) {
    const batch = live.slice(i, i + BATCH);
    const done = await transitionRuns(
      deps.db,
      batch.map((r) => ({
        runId: r.id,
        to: "cancelled" as const,
        from: ["pending", "running", "waiting"] as const,
        actor: opts.actor,
        action: "run_cancelled" as const,
        metadata,
        error,
      })),
    );
    for (const run of done) if (run !== null) deps.changes?.changed(run);
    cancelled += done.filter((r) => r !== null).length;
  }
  const cancels = deps.cancels;
  if (cancels !== undefined) {
    const running = live.filter((r) => r.status === "running");
    await Promise.all(running.map((r) => publishRunCancel(cancels.redis, cancels.prefix, r.id, deps.logger)));
  }
  if (cancelled > 0) deps.logger.info("descendant runs cancelled", { runIds: rootIds, count: cancelled });
  return cancelled;
}
