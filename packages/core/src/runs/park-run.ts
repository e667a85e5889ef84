import type { Db } from "../db";
import type { Logger } from "../logger";
import { resumeJobId } from "../jobs/catalog";
import { enqueueResume, type Queues } from "../jobs/queues";
import { nextWakeUp, type WaitingFor } from "../engine/wait-state";
import type { RunRow } from "./run-row";
import { runWriteRetry, transitionRunDurably } from "./durable-writes";
import { refuseOutcome } from "./refuse-outcome";
import type { RunChangePublisher } from "../run-events/run-change-publisher";

const ACTOR = "worker";

/** running → waiting (fenced), then a delayed resume job for the earliest delay end or signal deadline. */
export async function parkRun(
  deps: {
    db: Db;
    logger: Logger;
    queues?: Pick<Queues, "runQueue">;
    dbRetryMaxMs?: number;
    changes?: Pick<RunChangePublisher, "changed">;
  },
  run: RunRow,
  jobId: string,
  waitingFor: WaitingFor,
) {
  const { id: runId, attempt } = run;
  const parked = await transitionRunDurably(
    deps.db,
    {
      runId,
      to: "waiting",
      from: ["running"],
      attempt,
      actor: ACTOR,
      action: "run_waiting",
      metadata: { nodes: Object.keys(waitingFor) },
      waitingFor,
    },
    runWriteRetry(deps, runId, jobId),
  );
  if (parked === null) return refuseOutcome(deps, run, jobId);
  deps.changes?.changed(parked);
  let wakeUp = nextWakeUp(waitingFor);
  // Re-parked on the wait whose job is running now: a job id of its own, or the add would be deduplicated away.
  if (wakeUp !== null && resumeJobId(runId, wakeUp) === jobId) wakeUp = new Date(wakeUp.getTime() + 1);
  deps.logger.info("run waiting", { runId, jobId, nodes: Object.keys(waitingFor), wakeUp: wakeUp?.toISOString() });
  if (wakeUp !== null) {
    if (deps.queues === undefined) throw new Error("a parked run needs queues to schedule its resume");
    await enqueueResume(deps.queues, run, wakeUp);
  }
  return "waiting" as const;
}
