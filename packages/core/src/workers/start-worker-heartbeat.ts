import type { Deps } from "../deps";
import { startPeriodicTasks, type PeriodicTasks } from "../periodic-tasks";
import type { ActiveRuns } from "../runs/active-runs";
import { sweepExpiredLeases } from "../runs/sweep-expired-leases";
import { recordHeartbeat, type WorkerIdentity } from "./record-heartbeat";

/** The reason a run whose lease this worker no longer holds is aborted with; its fenced outcome changes nothing. */
export const LEASE_LOST = "Run lease lost: the run was taken over or changed by someone else";

/**
 * A worker's two timers, every RUN_LEASE_HEARTBEAT_SECONDS: the heartbeat (one statement renewing the leases of all
 * its active runs and its row in the workers registry) and the lease sweeper (takes over runs of dead workers).
 */
export function startWorkerHeartbeat(
  deps: Pick<Deps, "db" | "logger" | "queues" | "config">,
  worker: WorkerIdentity,
  active: ActiveRuns,
): PeriodicTasks {
  const { config, logger } = deps;
  const intervalMs = config.RUN_LEASE_HEARTBEAT_SECONDS * 1_000;
  return startPeriodicTasks(
    [
      {
        name: "heartbeat",
        intervalMs,
        run: async () => {
          const held = active.list();
          const renewed = await recordHeartbeat(
            deps.db,
            worker,
            held.map((r) => r.runId),
            config.RUN_LEASE_SECONDS,
          );
          // A run that finished while the statement ran is no longer held: only those still held lost their lease.
          const still = new Set(active.list());
          for (const run of held) {
            if (renewed.has(run.runId) || run.stop.signal.aborted || !still.has(run)) continue;
            logger.warn("run lease lost, aborting the run", { runId: run.runId, attempt: run.attempt });
            run.stop.abort(new Error(LEASE_LOST));
          }
        },
      },
      {
        name: "lease-sweeper",
        intervalMs,
        run: async () =>
          void (await sweepExpiredLeases(deps, { maxCrashRecoveries: config.MAX_CRASH_RECOVERIES, actor: worker.id })),
      },
    ],
    logger,
  );
}
