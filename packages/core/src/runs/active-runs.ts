/** Why a worker gives a run back (running → pending) instead of finishing it: its shutdown deadline passed. */
export class RunHandOver extends Error {
  override name = "RunHandOver";
}

export type ActiveRun = { runId: string; attempt: number; stop: AbortController };

/**
 * The runs this worker holds a lease on (started and not yet finished): its heartbeat renews their leases, the
 * workers registry lists them, and a shutdown past its deadline hands them back.
 */
export type ActiveRuns = {
  /** Registers a started run; the returned function unregisters it. */
  add: (run: ActiveRun) => () => void;
  list: () => ActiveRun[];
  /** Aborts every active run, and every run started from now on, with `reason`. */
  handOverAll: (reason: RunHandOver) => number;
};

export function createActiveRuns(): ActiveRuns {
  const runs = new Map<string, ActiveRun>();
  let handingOver: RunHandOver | undefined;
  return {
    add: (run) => {
      runs.set(run.runId, run);
      if (handingOver !== undefined) run.stop.abort(handingOver);
      return () => {
        if (runs.get(run.runId) === run) runs.delete(run.runId);
      };
    },
    list: () => [...runs.values()],
    handOverAll: (reason) => {
      handingOver = reason;
      for (const run of runs.values()) run.stop.abort(reason);
      return runs.size;
    },
  };
}
