import type { Metrics } from "./metrics";
import { withSpan } from "./trace-spans";

type Execute<D, J, R> = (deps: D, job: J) => Promise<R>;

/**
 * `executeRun` wrapped for the worker: each execution moves the active-runs gauge and, when tracing is on, runs
 * in a span of its own (a child of the job's process span; the steps' spans hang under it).
 */
export function observeRuns<D, J extends { runId: string; jobId: string }, R>(
  execute: Execute<D, J, R>,
  metrics: Pick<Metrics, "activeRunsChanged"> | undefined,
  traced: boolean,
): Execute<D, J, R> {
  return async (deps, job) => {
    metrics?.activeRunsChanged(1);
    try {
      if (!traced) return await execute(deps, job);
      const attributes = { "switchyard.run_id": job.runId, "messaging.message.id": job.jobId };
      return await withSpan("execute_run", attributes, () => execute(deps, job));
    } finally {
      metrics?.activeRunsChanged(-1);
    }
  };
}
