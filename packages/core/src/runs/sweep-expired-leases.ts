import type { RunChangePublisher } from "../run-events/run-change-publisher";
import type { Db } from "../db";
import { settleFinishedChild } from "./child-runs";
import type { Logger } from "../logger";
import { enqueueRequeued, type Queues } from "../jobs/queues";
import { transitionRun } from "./transition-run";
import { errorMessage } from "../errors";

export type SweepDeps = {
  db: Db;
  logger: Logger;
  queues: Pick<Queues, "runQueue" | "enqueueRuns">;
  /** Where each taken-over or failed run is announced (run event streams, waiting deliveries). */
  changes?: Pick<RunChangePublisher, "changed">;
};

export type SweepOptions = {
  /** MAX_CRASH_RECOVERIES: takeovers allowed per run; the next expiry fails it. */
  maxCrashRecoveries: number;
  /** Who sweeps (a worker id, or "beat"), for the audit entry. */
  actor: string;
  limit?: number;
};

export type SweepResult = { takenOver: string[]; failed: string[] };

/**
 * The runs of one dead worker are spread over up to this long before they start again: taken over together, they
 * would land on one worker together, and a run that kills its worker would then take the same neighbours down with
 * it at every attempt, failing them too once they reach MAX_CRASH_RECOVERIES.
 */
const TAKEOVER_JITTER_MS = 1_000;

type Expired = { id: string; attempt: number; owner: string | null; expiresAt: Date; recoveries: number };

/**
 * Running runs whose lease expired lost their worker (killed, host gone): each goes back to pending for a new
 * attempt that resumes from its checkpoints, or, once it has been taken over MAX_CRASH_RECOVERIES times, is failed.
 * Every change is a guarded transition fenced on the attempt and on the lease still being expired, so any number of
 * sweepers (every worker, every beat) may run at once: exactly one wins each run, and only it enqueues the new job.
 * The old job stays with the dead worker until BullMQ's stalled check; it is a no-op for a run that is not pending.
 */
export async function sweepExpiredLeases(deps: SweepDeps, options: SweepOptions): Promise<SweepResult> {
  const expired = await deps.db.$queryRawUnsafe<Expired[]>(
    // Served by runs_running_lease_idx; SKIP LOCKED passes over runs a worker is finishing right now.
    `SELECT id::text AS id, attempt, lease_owner AS owner, lease_expires_at AS "expiresAt",
            crash_recoveries AS recoveries
     FROM runs WHERE status = 'running' AND lease_expires_at < clock_timestamp()
     ORDER BY lease_expires_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
    options.limit ?? 100,
  );
  const result: SweepResult = { takenOver: [], failed: [] };
  for (const run of expired) {
    const metadata = {
      previous_worker: run.owner,
      lease_expired_at: run.expiresAt.toISOString(),
      attempt: run.attempt,
      crash_recoveries: run.recoveries,
    };
    const fence = { runId: run.id, from: ["running"] as const, attempt: run.attempt, leaseExpired: true };
    if (run.recoveries >= options.maxCrashRecoveries) {
      const error =
        `Run failed: its worker stopped ${run.recoveries + 1} times while executing it ` +
        `(MAX_CRASH_RECOVERIES=${options.maxCrashRecoveries})`;
      const failed = await transitionRun(deps.db, {
        ...fence,
        to: "failed",
        actor: options.actor,
        action: "run_crash_limit_reached",
        error,
        metadata: { ...metadata, error },
      });
      if (failed === null) continue;
      deps.changes?.changed(failed);
      deps.logger.warn("run failed after repeated worker crashes", { runId: run.id, previousWorker: run.owner });
      // A child run: its slot goes to the next item, or its parent resumes.
      await settleFinishedChild(deps, failed);
      result.failed.push(run.id);
      continue;
    }
    const pending = await transitionRun(deps.db, {
      ...fence,
      to: "pending",
      actor: options.actor,
      action: "run_lease_expired",
      crashRecovery: true,
      metadata: { ...metadata, reason: "the worker executing the run stopped renewing its lease" },
    });
    if (pending === null) continue;
    deps.changes?.changed(pending);
    deps.logger.warn("run lease expired, run taken over", { runId: run.id, previousWorker: run.owner });
    result.takenOver.push(run.id);
    try {
      await enqueueRequeued(
        deps.queues,
        pending,
        "takeover",
        run.attempt,
        Math.floor(Math.random() * TAKEOVER_JITTER_MS),
      );
    } catch (err) {
      // The run is committed pending: the reconciler enqueues it once Redis answers.
      deps.logger.warn("taken-over run not enqueued, left to the reconciler", {
        runId: run.id,
        error: errorMessage(err),
      });
    }
  }
  return result;
}
