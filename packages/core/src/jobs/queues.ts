import { Queue, type Telemetry } from "bullmq";
import type { RedisConnection } from "../redis";
import { JOBS, QUEUES, requeueJobId, resumeJobId, retryJobId, wakeJobId } from "./catalog";
import { createRunEnqueuer, type RunEnqueuer, type RunToEnqueue } from "./create-run-enqueuer";
import { bullQueueName, jobPriority, type RunRoute } from "./run-route";
import { DEFAULT_QUEUE } from "../flow/routing";
import { withTimeout } from "../with-timeout";

export type { RunToEnqueue } from "./create-run-enqueuer";
export type { RunRoute } from "./run-route";

export type Queues = {
  /** The default routing queue's BullMQ queue (`runs`). */
  runs: Queue;
  beat: Queue;
  /** The BullMQ queue of a routing queue (the default one is `runs`), made on first use and closed with the rest. */
  runQueue: (queue: string) => Queue;
  /** execute_run adds, coalesced across concurrent callers (see createRunEnqueuer). */
  enqueueRuns: RunEnqueuer;
};

/** `telemetry`: BullMQ's tracing hooks, only when tracing is on. */
export function createQueues(connection: RedisConnection, prefix: string, telemetry?: Telemetry): Queues {
  const options = { connection, prefix, ...(telemetry !== undefined && { telemetry }) };
  const runs = new Queue(QUEUES.runs, options);
  const byName = new Map<string, Queue>([[DEFAULT_QUEUE, runs]]);
  const runQueue = (queue: string) => {
    let found = byName.get(queue);
    if (found === undefined) {
      found = new Queue(bullQueueName(queue), options);
      // As for `runs` (process-deps.ts): a failed command rejects its caller; the event itself is not news.
      found.on("error", () => undefined);
      byName.set(queue, found);
    }
    return found;
  };
  const queues: Queues = {
    runs,
    beat: new Queue(QUEUES.beat, options),
    runQueue,
    enqueueRuns: createRunEnqueuer(runQueue, { connection }),
  };
  openQueues.set(queues, byName);
  return queues;
}

const openQueues = new WeakMap<Queues, Map<string, Queue>>();

export async function closeQueues(queues: Queues): Promise<void> {
  // Webhook deliveries are answered at their commit: their jobs, still on the way to Redis, go first.
  await queues.enqueueRuns.settled();
  const routed = [...(openQueues.get(queues)?.values() ?? [queues.runs])];
  await Promise.all([...routed.map((q) => q.close()), queues.beat.close()]);
}

/** Enqueues execute_run for each run, delayed until its runAt when that is in the future; idempotent by job id. */
export async function enqueueRuns(queues: Pick<Queues, "enqueueRuns">, runs: readonly RunToEnqueue[]): Promise<void> {
  await queues.enqueueRuns(runs);
}

/** Adds one execute_run job under its own id to the run's queue, delayed until `at` (now when it has passed). */
async function enqueueDelayed(
  queues: Pick<Queues, "runQueue">,
  run: RunRoute,
  data: { run_id: string; resume?: boolean },
  jobId: string,
  at: Date,
  now: number,
): Promise<void> {
  const { options } = JOBS.execute_run;
  const added = queues.runQueue(run.queue).add("execute_run", data, {
    ...options,
    jobId,
    delay: Math.max(0, at.getTime() - now),
    priority: jobPriority(run.priority),
  });
  await withTimeout(added, ENQUEUE_TIMEOUT_MS, `enqueue not confirmed by Redis within ${ENQUEUE_TIMEOUT_MS} ms`);
}

/** As createRunEnqueuer's bound: BullMQ waits for a connection that has never been ready, even with no offline queue. */
const ENQUEUE_TIMEOUT_MS = 5_000;

/** Enqueues the resume of a waiting run at `at`. */
export async function enqueueResume(queues: Pick<Queues, "runQueue">, run: RunRoute, at: Date, now = Date.now()) {
  await enqueueDelayed(queues, run, { run_id: run.id, resume: true }, resumeJobId(run.id, at), at, now);
}

/** Enqueues the next attempt of a run going back to pending for a run-level retry, at `at`. */
export async function enqueueRetry(
  queues: Pick<Queues, "runQueue">,
  run: RunRoute,
  attempt: number,
  at: Date,
  now = Date.now(),
): Promise<void> {
  await enqueueDelayed(queues, run, { run_id: run.id }, retryJobId(run.id, attempt), at, now);
}

/** Enqueues a run just handed back to pending (see requeueJobId), to start after `delayMs` (now by default). */
export async function enqueueRequeued(
  queues: Pick<Queues, "runQueue">,
  run: RunRoute,
  reason: "takeover" | "handover",
  attempt: number,
  delayMs = 0,
): Promise<void> {
  const now = Date.now();
  const jobId = requeueJobId(run.id, reason, attempt);
  await enqueueDelayed(queues, run, { run_id: run.id }, jobId, new Date(now + delayMs), now);
}

/** Enqueues a pending run refused a start by its limits: now that a slot freed, or at its rate window `at`. */
export async function enqueueWake(
  queues: Pick<Queues, "runQueue">,
  run: RunRoute,
  now = Date.now(),
  at = new Date(now),
): Promise<void> {
  await enqueueDelayed(queues, run, { run_id: run.id }, wakeJobId(run.id, now), at, now);
}
