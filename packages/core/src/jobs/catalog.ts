import { z } from "zod";
import type { JobsOptions } from "bullmq";

/** Queue names. The prefix (QUEUE_PREFIX) namespaces every key so deployments and tests never collide. */
export const QUEUES = { runs: "runs", beat: "beat" } as const;

/** One entry per job: its queue, payload schema and options. Workers' handler maps are typed from it. */
export const JOBS = {
  execute_run: {
    queue: QUEUES.runs,
    // resume: a parked (waiting) run is taken up again, after a delay, a signal or a signal's deadline.
    payload: z.object({ run_id: z.uuid(), resume: z.boolean().optional() }),
    options: {
      // Infrastructure failures (Postgres down) retry; workflow errors are recorded and never rethrown.
      attempts: 5,
      backoff: { type: "exponential", delay: 1_000 },
      // Postgres is the history (runs, steps, audit): Redis keeps finished jobs only briefly, bounded by age
      // (seconds) and by count, whichever comes first, so Redis memory stays flat whatever the throughput. Failed
      // jobs (infrastructure failures after every attempt) stay a day for a look in Bull Board.
      removeOnComplete: { age: 3_600, count: 1_000 },
      removeOnFail: { age: 86_400, count: 5_000 },
    } satisfies JobsOptions,
  },
  cron_dispatch: {
    queue: QUEUES.beat,
    payload: z.object({}).loose(),
    options: {
      attempts: 1,
      // One tick every CRON_DISPATCH_INTERVAL seconds: the last hundred, and none older than an hour (a day failed).
      removeOnComplete: { age: 3_600, count: 100 },
      removeOnFail: { age: 86_400, count: 100 },
    } satisfies JobsOptions,
  },
} as const;

export type JobName = keyof typeof JOBS;
export type JobPayload<N extends JobName> = z.infer<(typeof JOBS)[N]["payload"]>;

/** Job id of a run's execute_run job: BullMQ deduplicates adds by it while the job exists. */
export function runJobId(runId: string): string {
  return `run-${runId}`;
}

/** Job id of a run-level retry: one per attempt, since the run's earlier jobs may still be kept. */
export function retryJobId(runId: string, attempt: number): string {
  return `run-${runId}-retry-${attempt}`;
}

/** Job id of a resume of a waiting run: one per wake-up time, since the run's first job may still be kept. */
export function resumeJobId(runId: string, at: Date): string {
  return `run-${runId}-resume-${at.getTime()}`;
}

/**
 * Job id of a run handed back to pending (`reason`: "takeover" after its worker died, "handover" at a shutdown
 * deadline), one per attempt: the run's earlier job may still be held by the worker that stopped.
 */
export function requeueJobId(runId: string, reason: "takeover" | "handover", attempt: number): string {
  return `run-${runId}-${reason}-${attempt}`;
}

/** Job id of a run woken when a concurrency slot freed: one per wake, since the run's earlier jobs may be kept. */
export function wakeJobId(runId: string, at: number): string {
  return `run-${runId}-wake-${at}`;
}

export function parseJobPayload<N extends JobName>(name: N, data: unknown): JobPayload<N> {
  return JOBS[name].payload.parse(data) as JobPayload<N>;
}
