import type { RunChangePublisher } from "../run-events/run-change-publisher";
import type { Db } from "../db";
import type { Logger } from "../logger";
import type { Queues } from "../jobs/queues";
import type { RunRow } from "./run-row";
import { withDbRetry } from "../db-retry";
import { runWriteRetry } from "./durable-writes";

/** What a worker needs to give a run back or to explain why its outcome was refused. */
export type HandBackDeps = {
  db: Db;
  logger: Logger;
  queues?: Pick<Queues, "runQueue">;
  lease?: { owner: string };
  dbRetryMaxMs?: number;
  /** Where a run given back is announced (run event streams). */
  changes?: Pick<RunChangePublisher, "changed">;
};

/** The fenced outcome changed nothing: the run was cancelled or taken over while this worker executed it. */
export async function refuseOutcome(deps: HandBackDeps, run: RunRow, jobId: string): Promise<"refused"> {
  const now = await withDbRetry(
    () => deps.db.run.findUnique({ where: { id: run.id }, select: { status: true, attempt: true } }),
    runWriteRetry(deps, run.id, jobId),
  );
  if (now?.status === "cancelled" && now.attempt === run.attempt) {
    deps.logger.info("run cancelled while executing", { runId: run.id, jobId });
    return "refused";
  }
  const reason =
    now === null
      ? "run no longer exists"
      : `run is ${now.status} at attempt ${now.attempt}; this worker ran attempt ${run.attempt}`;
  deps.logger.warn("run outcome refused", { runId: run.id, jobId, reason });
  return "refused";
}
