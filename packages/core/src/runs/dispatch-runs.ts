import type { Deps } from "../deps";
import { enqueueRuns } from "../jobs/queues";
import { createRuns, type CreatedRun, type NewRun } from "./create-runs";

/**
 * Creates runs (committed first) and then enqueues their execute_run jobs. If enqueueing fails (Redis down),
 * the runs stay pending and the beat's reconciler enqueues them later: the caller still answers with them.
 */
export async function dispatchRuns(
  deps: Pick<Deps, "db" | "queues" | "logger" | "changes"> & Partial<Pick<Deps, "metrics">>,
  runs: readonly NewRun[],
): Promise<CreatedRun[]> {
  const created = await createRuns(deps.db, runs);
  await enqueueCreated(deps, created);
  return created;
}

export async function enqueueCreated(
  deps: Pick<Deps, "queues" | "logger" | "changes"> & Partial<Pick<Deps, "metrics">>,
  created: readonly CreatedRun[],
): Promise<void> {
  // Every run the API creates (webhook, cron, manual, retry) comes through here once, right after its commit: its
  // `pending` is announced (one PUBLISH for the turn's batch) before the enqueue, which a stream need not wait for.
  deps.metrics?.runsCreated(created.map((c) => c.run));
  for (const { run } of created) deps.changes.changed(run);
  const runs = created
    .filter((c) => c.run.execute)
    .map(({ run }) => ({ id: run.id, runAt: run.runAt, queue: run.queue, priority: run.priority }));
  if (runs.length === 0) return;
  const ids = runs.map((r) => r.id);
  try {
    await enqueueRuns(deps.queues, runs);
    // Per run at debug only: a line per webhook request is CPU and log volume the API spends under load, and the
    // worker's "run started" (info) follows every enqueued run anyway. A batch (cron, bulk retry) gets one line.
    if (deps.logger.isDebugEnabled()) {
      for (const { run } of created) {
        if (run.execute)
          deps.logger.debug("run enqueued", { runId: run.id, jobId: `run-${run.id}`, workflowId: run.workflowId });
      }
    }
    if (runs.length > 1) deps.logger.info("runs enqueued", { count: runs.length });
  } catch (err) {
    deps.logger.warn("enqueue failed, runs left pending for the reconciler", {
      runIds: ids,
      err: err instanceof Error ? err.message : String(err),
    });
  }
}
