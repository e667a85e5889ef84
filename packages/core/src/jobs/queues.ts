import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { QUEUES } from "./catalog";
import { createRunEnqueuer, type RunEnqueuer } from "./create-run-enqueuer";

export type Queues = {
  runs: Queue;
  beat: Queue;
  /** execute_run adds, coalesced across concurrent callers (see createRunEnqueuer). */
  enqueueRuns: RunEnqueuer;
};

export function createQueues(connection: Redis, prefix: string): Queues {
  const runs = new Queue(QUEUES.runs, { connection, prefix });
  return {
    runs,
    beat: new Queue(QUEUES.beat, { connection, prefix }),
    enqueueRuns: createRunEnqueuer(runs),
  };
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all([queues.runs.close(), queues.beat.close()]);
}

/** Enqueues execute_run for each run id; idempotent by job id. */
export async function enqueueRuns(queues: Pick<Queues, "enqueueRuns">, runIds: readonly string[]): Promise<void> {
  await queues.enqueueRuns(runIds);
}
