import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { JOBS, QUEUES, resumeJobId, runJobId } from "./catalog";

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

/** A run to enqueue: its id, or its id and the instant before which it must not start. */
export type RunToEnqueue = string | { id: string; runAt?: Date | null };

/** Enqueues execute_run for each run, delayed until its runAt when that is in the future; idempotent by job id. */
export async function enqueueRuns(queues: Queues, runs: readonly RunToEnqueue[], now = Date.now()): Promise<void> {
  if (runs.length === 0) return;
  const { options } = JOBS.execute_run;
  await queues.runs.addBulk(
    runs.map((r) => {
      const { id, runAt } = typeof r === "string" ? { id: r, runAt: null } : r;
      const delay = runAt == null ? 0 : Math.max(0, runAt.getTime() - now);
      return { name: "execute_run", data: { run_id: id }, opts: { ...options, jobId: runJobId(id), delay } };
    }),
  );
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
