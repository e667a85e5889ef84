import { Queue, type Telemetry } from "bullmq";
import type { RedisConnection } from "../redis";
import { JOBS, QUEUES, requeueJobId, resumeJobId, retryJobId, wakeJobId } from "./catalog";
import { createRunEnqueuer, type RunEnqueuer, type RunToEnqueue } from "./create-run-enqueuer";
import { withTimeout } from "../with-timeout";

export type { RunToEnqueue } from "./create-run-enqueuer";

export type Queues = {
  runs: Queue;
  beat: Queue;
  /** execute_run adds, coalesced across concurrent callers (see createRunEnqueuer). */
  enqueueRuns: RunEnqueuer;
};

/** `telemetry`: BullMQ's tracing hooks, only when tracing is on. */
export function createQueues(connection: RedisConnection, prefix: string, telemetry?: Telemetry): Queues {
  const options = { connection, prefix, ...(telemetry !== undefined && { telemetry }) };
  const runs = new Queue(QUEUES.runs, options);
  return {
    runs,
    beat: new Queue(QUEUES.beat, options),
    enqueueRuns: createRunEnqueuer(runs, { connection }),
  };
}

export async function closeQueues(queues: Queues): Promise<void> {
  // Webhook deliveries are answered at their commit: their jobs, still on the way to Redis, go first.
  await queues.enqueueRuns.settled();
  await Promise.all([queues.runs.close(), queues.beat.close()]);
}

/** Enqueues execute_run for each run, delayed until its runAt when that is in the future; idempotent by job id. */
export async function enqueueRuns(queues: Pick<Queues, "enqueueRuns">, runs: readonly RunToEnqueue[]): Promise<void> {
  await queues.enqueueRuns(runs);
}

/** Adds one execute_run job under its own id, delayed until `at` (now when it has passed). */
async function enqueueDelayed(
  queues: Pick<Queues, "runs">,
  data: { run_id: string; resume?: boolean },
  jobId: string,
  at: Date,
  now: number,
): Promise<void> {
  const { options } = JOBS.execute_run;
  const added = queues.runs.add("execute_run", data, { ...options, jobId, delay: Math.max(0, at.getTime() - now) });
  await withTimeout(added, ENQUEUE_TIMEOUT_MS, `enqueue not confirmed by Redis within ${ENQUEUE_TIMEOUT_MS} ms`);
}

/** As createRunEnqueuer's bound: BullMQ waits for a connection that has never been ready, even with no offline queue. */
const ENQUEUE_TIMEOUT_MS = 5_000;

/** Enqueues the resume of a waiting run at `at`. */
export async function enqueueResume(queues: Pick<Queues, "runs">, runId: string, at: Date, now = Date.now()) {
  await enqueueDelayed(queues, { run_id: runId, resume: true }, resumeJobId(runId, at), at, now);
}

/** Enqueues the next attempt of a run going back to pending for a run-level retry, at `at`. */
export async function enqueueRetry(
  queues: Pick<Queues, "runs">,
  runId: string,
  attempt: number,
  at: Date,
  now = Date.now(),
): Promise<void> {
  await enqueueDelayed(queues, { run_id: runId }, retryJobId(runId, attempt), at, now);
}

/** Enqueues a run just handed back to pending (see requeueJobId), to start after `delayMs` (now by default). */
export async function enqueueRequeued(
  queues: Pick<Queues, "runs">,
  runId: string,
  reason: "takeover" | "handover",
  attempt: number,
  delayMs = 0,
): Promise<void> {
  const now = Date.now();
  await enqueueDelayed(queues, { run_id: runId }, requeueJobId(runId, reason, attempt), new Date(now + delayMs), now);
}

/** Enqueues a pending run refused a start by its limits: now that a slot freed, or at its rate window `at`. */
export async function enqueueWake(
  queues: Pick<Queues, "runs">,
  runId: string,
  now = Date.now(),
  at = new Date(now),
): Promise<void> {
  await enqueueDelayed(queues, { run_id: runId }, wakeJobId(runId, now), at, now);
}
