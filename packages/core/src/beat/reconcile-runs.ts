import type { Job } from "bullmq";
import type { Deps } from "../deps";
import { runJobId } from "../jobs/catalog";
import { enqueueRuns, type RunRoute } from "../jobs/queues";
import { reconcileWaitingRuns } from "./reconcile-waiting-runs";
import { reconcileChildGroups } from "./reconcile-child-groups";

/** Where a pass stopped: the next pass goes on after this run, so a long backlog is covered in turn. */
export type ReconcileCursor = { createdAt: Date; id: string };

export type ReconcileOptions = {
  /** Only runs created strictly before this instant: younger ones may still be on their way into Redis. */
  before: Date;
  cursor?: ReconcileCursor | null;
  batchSize?: number;
  maxBatches?: number;
};

export type ReconcileResult = {
  /** Runs whose execute_run job was (re)added. */
  enqueued: string[];
  /** null once the scan reached the newest candidate; the next pass starts from the oldest again. */
  cursor: ReconcileCursor | null;
};

const FINISHED_STATES: ReadonlySet<string> = new Set(["completed", "failed"]);

/**
 * Enqueues again every executable pending run older than `before` whose job Redis does not hold: the job was
 * never added (enqueue failed after the run was committed) or Redis lost it (restart, flush). A job that exists
 * but finished (completed or failed) while its run is still pending is removed and added again.
 *
 * Safe to run from several beats at once: adding is idempotent by job id (`run-<id>`), and a run that became
 * non-pending meanwhile is re-checked in Postgres before anything is added.
 */
export async function reconcileRuns(
  deps: Pick<Deps, "db" | "queues" | "logger">,
  options: ReconcileOptions,
): Promise<ReconcileResult> {
  const batchSize = options.batchSize ?? 500;
  const maxBatches = options.maxBatches ?? 10;
  let cursor = options.cursor ?? null;
  const enqueued: string[] = [];
  for (let batch = 0; batch < maxBatches; batch++) {
    const candidates = await findPendingRuns(deps.db, options.before, cursor, batchSize);
    const last = candidates.at(-1);
    if (last !== undefined) cursor = last;
    enqueued.push(...(await repairBatch(deps, candidates)));
    if (candidates.length < batchSize) return { enqueued, cursor: null };
  }
  return { enqueued, cursor };
}

/**
 * A run waiting for a concurrency slot of a key that a live run holds: that run wakes it when it finishes, so the
 * reconciler leaves it (a lost wake leaves no live holder, and the run is enqueued again).
 */
const LIVE_SLOT_HOLDER_SQL = `SELECT 1 FROM runs h WHERE h.workflow_id = r.workflow_id AND h.status = 'running'
         AND h.concurrency_key = r.concurrency_key AND h.lease_expires_at >= clock_timestamp()`;

/** Oldest first, served by the partial index runs_pending_execute_idx (created_at WHERE pending AND execute). */
async function findPendingRuns(
  db: Deps["db"],
  before: Date,
  cursor: ReconcileCursor | null,
  limit: number,
): Promise<(ReconcileCursor & { queue: string })[]> {
  const after = cursor ?? { createdAt: new Date(0), id: "00000000-0000-0000-0000-000000000000" };
  return db.$queryRawUnsafe<(ReconcileCursor & { queue: string })[]>(
    // Ordered by the uuid column (not the text alias), so the index's created_at order feeds an incremental sort
    // and a batch stops after `limit` rows however long the backlog is.
    `SELECT r.id::text AS id, r.created_at AS "createdAt", r.queue FROM runs r
     WHERE r.status = 'pending' AND r.execute AND r.created_at < $1::timestamptz
       AND r.created_at >= $2::timestamptz AND (r.created_at, r.id) > ($2::timestamptz, $3::uuid)
       AND NOT (r.blocked_by = 'concurrency' AND EXISTS (${LIVE_SLOT_HOLDER_SQL}))
     ORDER BY r.created_at, r.id
     LIMIT $4`,
    before.toISOString(),
    after.createdAt.toISOString(),
    after.id,
    limit,
  );
}

/**
 * Each run's job is looked for on its own queue. A run on a queue that no worker consumes keeps its job there (it
 * is not lost: it starts once such a worker comes); one whose job Redis lost gets it back on that queue.
 */
async function repairBatch(
  deps: Pick<Deps, "db" | "queues" | "logger">,
  candidates: readonly { id: string; queue: string }[],
): Promise<string[]> {
  if (candidates.length === 0) return [];
  const runIds = candidates.map((c) => c.id);
  const jobs = await Promise.all(candidates.map((c) => deps.queues.runQueue(c.queue).getJob(runJobId(c.id))));
  const finished = new Map<string, Job>();
  const isLost = await Promise.all(
    runIds.map(async (id, i) => {
      const job = jobs[i];
      if (job === undefined) return true;
      // finishedOn is cheap to read and is cleared when a job is retried; the state confirms it.
      if (job.finishedOn === undefined || !FINISHED_STATES.has(await job.getState())) return false;
      finished.set(id, job);
      return true;
    }),
  );
  const lost = runIds.filter((_, i) => isLost[i]);
  if (lost.length === 0) return [];

  // A worker may have finished a run between the scan and the job lookups: only still-pending runs are repaired.
  type Route = RunRoute & { runAt: Date | null };
  const stillPending = await deps.db.$queryRawUnsafe<Route[]>(
    `SELECT id::text AS id, run_at AS "runAt", queue, priority FROM runs
     WHERE id = ANY($1::uuid[]) AND status = 'pending' AND execute`,
    lost,
  );
  const repair: Route[] = [];
  for (const run of stillPending) {
    const job = finished.get(run.id);
    if (job !== undefined && !(await removeFinishedJob(deps, job))) continue;
    repair.push(run);
  }
  // A run whose run_at is still ahead gets a job delayed by the time left, never one that starts it now.
  await enqueueRuns(deps.queues, repair);
  return repair.map((r) => r.id);
}

/** false when the job cannot be removed (another beat re-added it and a worker already holds it). */
async function removeFinishedJob(deps: Pick<Deps, "logger">, job: Job): Promise<boolean> {
  try {
    await job.remove();
    return true;
  } catch (err) {
    deps.logger.debug("reconciler left a job it could not remove", {
      jobId: job.id,
      err: err instanceof Error ? err.message : String(err),
    });
    return false;
  }
}

export type Reconciler = {
  /** One pass (pending runs, then waiting runs): repairs what it finds, logs it, and remembers where it stopped. */
  reconcile: (now?: Date) => Promise<string[]>;
};

/** The beat's reconciler: a pass every RECONCILE_INTERVAL_SECONDS over runs older than RECONCILE_AFTER_SECONDS. */
export function createReconciler(
  deps: Pick<Deps, "db" | "queues" | "logger"> & Partial<Pick<Deps, "metrics">>,
  options: { afterSeconds: number; batchSize?: number; maxBatches?: number },
): Reconciler {
  let cursor: ReconcileCursor | null = null;
  return {
    reconcile: async (now = new Date()) => {
      const result = await reconcileRuns(deps, {
        before: new Date(now.getTime() - options.afterSeconds * 1_000),
        cursor,
        batchSize: options.batchSize,
        maxBatches: options.maxBatches,
      });
      cursor = result.cursor;
      deps.metrics?.reconcilerRepaired(result.enqueued.length);
      if (result.enqueued.length > 0) {
        deps.logger.info("reconciler enqueued runs", { count: result.enqueued.length, runIds: result.enqueued });
      }
      const before = new Date(now.getTime() - options.afterSeconds * 1_000);
      const resumed = await reconcileWaitingRuns(deps, { before });
      if (resumed.length > 0) {
        deps.logger.info("reconciler re-scheduled waiting runs", { count: resumed.length, runIds: resumed });
      }
      const children = await reconcileChildGroups(deps, { before });
      if (children.length > 0) {
        deps.logger.info("reconciler repaired child run groups", { count: children.length, ids: children });
      }
      return [...result.enqueued, ...resumed, ...children];
    },
  };
}
