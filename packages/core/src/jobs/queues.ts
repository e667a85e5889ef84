import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { JOBS, QUEUES, runJobId } from "./catalog";

export type Queues = { runs: Queue; beat: Queue };

export function createQueues(connection: Redis, prefix: string): Queues {
  return {
    runs: new Queue(QUEUES.runs, { connection, prefix }),
    beat: new Queue(QUEUES.beat, { connection, prefix }),
  };
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all([queues.runs.close(), queues.beat.close()]);
}

/** Enqueues execute_run for each run id; idempotent by job id. */
export async function enqueueRuns(queues: Queues, runIds: readonly string[]): Promise<void> {
  if (runIds.length === 0) return;
  const { options } = JOBS.execute_run;
  await queues.runs.addBulk(
    runIds.map((id) => ({ name: "execute_run", data: { run_id: id }, opts: { ...options, jobId: runJobId(id) } })),
  );
}
