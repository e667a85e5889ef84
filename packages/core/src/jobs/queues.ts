import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { JOBS, QUEUES, resumeJobId, retryJobId } from "./catalog";
import { createRunEnqueuer, type RunEnqueuer, type RunToEnqueue } from "./create-run-enqueuer";

export type { RunToEnqueue } from "./create-run-enqueuer";

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

/** Enqueues execute_run for each run, delayed until its runAt when that is in the future; idempotent by job id. */
export async function enqueueRuns(queues: Pick<Queues, "enqueueRuns">, runs: readonly RunToEnqueue[]): Promise<void> {
  await queues.enqueueRuns(runs);
}

/** Enqueues the resume of a waiting run at `at` (now when it has passed). */
export async function enqueueResume(
  queues: Pick<Queues, "runs">,
  runId: string,
  at: Date,
  now = Date.now(),
): Promise<void> {
  const { options } = JOBS.execute_run;
  await queues.runs.add(
    "execute_run",
    { run_id: runId, resume: true },
    { ...options, jobId: resumeJobId(runId, at), delay: Math.max(0, at.getTime() - now) },
  );
}

/** Enqueues the next attempt of a run going back to pending for a run-level retry, at `at`. */
export async function enqueueRetry(
  queues: Pick<Queues, "runs">,
  runId: string,
  attempt: number,
  at: Date,
  now = Date.now(),
): Promise<void> {
  const { options } = JOBS.execute_run;
  await queues.runs.add(
    "execute_run",
    { run_id: runId },
    { ...options, jobId: retryJobId(runId, attempt), delay: Math.max(0, at.getTime() - now) },
  );
}
