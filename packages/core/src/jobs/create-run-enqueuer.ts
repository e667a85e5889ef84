import type { Queue } from "bullmq";
import type { RedisConnection } from "../redis";
import { JOBS, runJobId } from "./catalog";
import { jobPriority, type RunRoute } from "./run-route";
import { startEnqueueSpan } from "../observability/trace-spans";
import { withTimeout } from "../with-timeout";
import { DEFAULT_PRIORITY, DEFAULT_QUEUE } from "../flow/routing";

const DEFAULT_ROUTE = { queue: DEFAULT_QUEUE, priority: DEFAULT_PRIORITY };

/**
 * A run to enqueue: its id and routing (queue, priority), and the instant before which it must not start. A bare id
 * is a run on the default queue at the default priority (test fixtures); every other caller passes the run's own.
 */
export type RunToEnqueue = string | (RunRoute & { runAt?: Date | null });

/** Adds execute_run jobs for runs (delayed until their runAt); resolves once Redis holds them. */
export type RunEnqueuer = {
  (runs: readonly RunToEnqueue[]): Promise<void>;
  /**
   * Resolves once every enqueue issued so far has settled (in Redis, refused or timed out): a caller that does not
   * wait for its enqueue (a webhook answered at its commit) is waited for here before the connection closes.
   */
  settled(): Promise<void>;
};

const MAX_BATCH = 1_000;

/** Connection states in which a command has no chance: Redis is down and ioredis waits to reconnect. */
const DOWN: ReadonlySet<string> = new Set(["reconnecting", "close", "end"]);

export type RunEnqueuerOptions = {
  /** The queue's connection: while it is down an enqueue rejects at once instead of joining a batch. */
  connection?: RedisConnection;
  /**
   * A batch not in Redis by then rejects its callers (the adds may still land later: they are idempotent by job
   * id). BullMQ waits for a connection that has never been ready, even with the offline queue off, so an API
   * started while Redis is down would otherwise hold its requests until Redis came up.
   */
  timeoutMs?: number;
};

/**
 * Coalesces the enqueues issued in one turn of the event loop into one `addBulk`: under load many requests finish
 * their insert in the same turn, and one round trip for all of them is cheaper than one each. A failed batch
 * rejects every caller in it (each then leaves its runs pending for the reconciler, as with a direct add).
 *
 * Not built on `coalescePerTurn` (coalesce.ts), whose batching is for statements: a batch here is bounded by its
 * jobs, not its calls (one call may bring a hundred runs); every batch goes at once, since ioredis pipelines
 * concurrent `addBulk`s on one connection and holding one back behind another would only add latency to each
 * webhook's enqueue; a failed batch is never retried call by call (Redis is failing: the reconciler repairs
 * from Postgres); and `settled` waits for the batches in flight, which a shutdown needs.
 */
export function createRunEnqueuer(queueOf: (queue: string) => Queue, options: RunEnqueuerOptions = {}): RunEnqueuer {
  const timeoutMs = options.timeoutMs ?? 5_000;
  type Waiter = {
    ids: readonly RunToEnqueue[];
    resolve: () => void;
    reject: (err: unknown) => void;
    /** The caller's trace context for its jobs, when tracing is on. */
    telemetry?: { metadata: string };
  };
  const traced = queueOf(DEFAULT_QUEUE).opts.telemetry !== undefined;
  let waiting: Waiter[] = [];
  let size = 0;
  let scheduled = false;
  /** The batches sent to Redis and not settled yet (those still `waiting` are flushed by `settled`). */
  const inFlight = new Set<Promise<unknown>>();

  const flush = () => {
    scheduled = false;
    const batch = waiting;
    waiting = [];
    size = 0;
    if (batch.length === 0) return;
    const { options } = JOBS.execute_run;
    const now = Date.now();
    // One addBulk per routing queue in the batch: one for all of them when every run is on the default queue.
    const byQueue = new Map<string, Parameters<Queue["addBulk"]>[0]>();
    for (const w of batch) {
      for (const r of w.ids) {
        const { id, runAt, queue, priority } = typeof r === "string" ? { ...DEFAULT_ROUTE, id: r, runAt: null } : r;
        const delay = runAt == null ? 0 : Math.max(0, runAt.getTime() - now);
        const opts = {
          ...options,
          jobId: runJobId(id),
          delay,
          priority: jobPriority(priority),
          ...(w.telemetry && { telemetry: w.telemetry }),
        };
        let jobs = byQueue.get(queue);
        if (jobs === undefined) byQueue.set(queue, (jobs = []));
        jobs.push({ name: "execute_run", data: { run_id: id }, opts });
      }
    }
    const sent: Promise<void> = withTimeout(
      Promise.all([...byQueue].map(([queue, jobs]) => queueOf(queue).addBulk(jobs))),
      timeoutMs,
      `enqueue not confirmed by Redis within ${timeoutMs} ms`,
    ).then(
      () => batch.forEach((w) => w.resolve()),
      (err: unknown) => batch.forEach((w) => w.reject(err)),
    );
    inFlight.add(sent);
    void sent.finally(() => inFlight.delete(sent));
  };

  const enqueue = (runIds: readonly RunToEnqueue[]) =>
    new Promise<void>((resolve, reject) => {
      if (runIds.length === 0) return resolve();
      if (options.connection !== undefined && DOWN.has(options.connection.status)) {
        return reject(new Error(`redis connection is ${options.connection.status}`));
      }
      if (traced) {
        const span = startEnqueueSpan(runIds.length);
        waiting.push({
          ids: runIds,
          resolve: () => (span.end(), resolve()),
          reject: (err) => (span.end(err), reject(err)),
          telemetry: { metadata: span.metadata },
        });
      } else waiting.push({ ids: runIds, resolve, reject });
      size += runIds.length;
      if (size >= MAX_BATCH) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
  const settled = async () => {
    flush();
    await Promise.all(inFlight);
  };
  return Object.assign(enqueue, { settled });
}
