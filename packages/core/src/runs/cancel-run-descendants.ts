import type { Deps } from "../deps";
import { cancelRunTrees } from "./cancel-run-trees";
import { settleFinishedChild } from "./child-runs";
import { findRun } from "./find-run";

/**
 * After `runId` was cancelled through the API: its live descendants are cancelled too (running ones stop on their
 * workers), and when it is a child itself, its group counts it and its parent resumes if it was the last one.
 */
export async function cancelRunDescendants(
  deps: Pick<Deps, "db" | "logger" | "queues" | "redis" | "config" | "changes">,
  runId: string,
): Promise<void> {
  const cancels = { redis: deps.redis, prefix: deps.config.QUEUE_PREFIX };
  await cancelRunTrees({ ...deps, cancels }, [runId], { actor: "worker", reason: `parent run ${runId} cancelled` });
  const run = await findRun(deps.db, runId);
  if (run !== null) await settleFinishedChild(deps, run);
}
