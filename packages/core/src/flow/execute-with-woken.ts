import { errorMessage } from "../errors";
import type { Queues } from "../jobs/queues";
import type { Logger } from "../logger";
import type { executeRun, ExecuteRunResult } from "../runs/execute-run";
import type { WokenRun } from "./flow-batchers";
import { enqueueWakes, type WokenHandOff } from "./wake-blocked-runs";

type ExecuteJob = Parameters<typeof executeRun>[1];

/**
 * Executes a job's run, then the run its freed concurrency slot woke, in the same job: a woken run starts on the
 * worker that freed the slot, with no wake job through Redis and no unlimited first try, and the slot it frees
 * in turn wakes the next (one key's backlog runs as a chain of starts in one job). At most one woken run is
 * taken at a time; any other (the oldest of the workflow, with `max_running`) is enqueued as before, and so is
 * the taken one once `accepting` says no (the worker is closing) or the job was aborted. A woken run that fails
 * on an infrastructure error was handed back to pending by its execution: it is enqueued, and the job goes on as
 * its own run went.
 */
export async function executeWithWoken(
  execute: (job: ExecuteJob) => Promise<ExecuteRunResult>,
  job: ExecuteJob,
  deps: { queues: Pick<Queues, "runQueue">; logger: Logger; accepting: () => boolean },
): Promise<ExecuteRunResult> {
  const woken: WokenRun[] = [];
  const handOff: WokenHandOff = (runs) => {
    if (woken.length > 0 || !deps.accepting() || job.signal?.aborted === true) return runs;
    const [first, ...rest] = runs;
    if (first !== undefined) woken.push(first);
    return rest;
  };
  const wakeLater = async (runs: readonly WokenRun[]) => {
    try {
      await enqueueWakes(deps.queues, runs);
    } catch (err) {
      // They stay pending and blocked: the reconciler enqueues them again.
      deps.logger.warn("woken runs not enqueued", { jobId: job.jobId, count: runs.length, error: errorMessage(err) });
    }
  };
  let result: ExecuteRunResult;
  try {
    result = await execute({ ...job, handOff });
  } catch (err) {
    await wakeLater(woken.splice(0));
    throw err;
  }
  for (let next = woken.shift(); next !== undefined; next = woken.shift()) {
    if (!deps.accepting() || job.signal?.aborted === true) {
      await wakeLater([next]);
      break;
    }
    const runId = next.id;
    try {
      const signal = job.signal && { signal: job.signal };
      await execute({ runId, jobId: job.jobId, woken: next.candidate, handOff, ...signal });
    } catch (err) {
      deps.logger.warn("woken run interrupted, enqueued again", { runId, jobId: job.jobId, error: errorMessage(err) });
      await wakeLater([next, ...woken.splice(0)]);
      break;
    }
  }
  return result;
}
