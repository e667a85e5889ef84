import { Gauge, type Registry } from "prom-client";
import { getQueueDepths, QUEUE_STATES, type QueueDepth } from "../jobs/queue-depth";
import type { Queues } from "../jobs/queues";
import type { Db } from "../db";
import { listRoutingQueues, type RoutingQueueJson } from "../flow/list-routing-queues";

/** A scrape must answer while Redis is away: the counts are given up after this long. */
export const QUEUE_DEPTH_TIMEOUT_MS = 1_000;

/**
 * Registers the queue gauges, read from BullMQ (getJobCounts) at each scrape. When Redis does not answer within
 * the timeout the scrape still succeeds: the job gauge carries no samples and `switchyard_queue_depth_up` is 0.
 */
export function collectQueueDepth(registry: Registry, queues: Pick<Queues, "runs" | "beat">): void {
  // One read serves both gauges: a scrape collects every metric at once, so the second collect finds it in flight.
  let inFlight: Promise<QueueDepth[]> | undefined;
  const read = () =>
    (inFlight ??= getQueueDepths(queues, QUEUE_DEPTH_TIMEOUT_MS).finally(() => (inFlight = undefined)));

  new Gauge({
    name: "switchyard_queue_jobs",
    help: "Jobs in each BullMQ queue by state, read at scrape time",
    labelNames: ["queue", "state"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const { name, counts } of await read()) {
        if (counts === null) continue;
        for (const state of QUEUE_STATES) this.set({ queue: name, state }, counts[state]);
      }
    },
  });
  new Gauge({
    name: "switchyard_queue_depth_up",
    help: "1 when this scrape read the queue counts from Redis, 0 when Redis did not answer in time",
    registers: [registry],
    async collect() {
      this.set((await read()).every((q) => q.counts !== null) ? 1 : 0);
    },
  });
}

/**
 * The routing queues' gauges (docs/flow-control.md), read at each scrape as `GET /api/system/queues` reads them:
 * each queue's backlog (jobs ready and waiting for a worker), its live consumers, and 1 for a backlog without one.
 */
export function collectRoutingQueues(
  registry: Registry,
  deps: { db: Db; queues: Pick<Queues, "runQueue"> },
  heartbeatSeconds: number,
): void {
  let inFlight: Promise<RoutingQueueJson[]> | undefined;
  const read = () =>
    (inFlight ??= listRoutingQueues(deps, { now: new Date(), heartbeatSeconds, timeoutMs: QUEUE_DEPTH_TIMEOUT_MS })
      .catch(() => [])
      .finally(() => (inFlight = undefined)));
  const gauge = (name: string, help: string, value: (q: RoutingQueueJson) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ["queue"] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const q of await read()) {
          const v = value(q);
          if (v !== null) this.set({ queue: q.queue }, v);
        }
      },
    });
  gauge(
    "switchyard_queue_backlog",
    "Jobs ready to start and waiting for a worker, per routing queue",
    (q) => q.backlog,
  );
  gauge(
    "switchyard_queue_consumers",
    "Live workers consuming each routing queue (WORKER_QUEUES)",
    (q) => q.consumers.length,
  );
  gauge("switchyard_queue_unconsumed", "1 for a routing queue with a backlog and no live consumer", (q) =>
    q.no_consumer ? 1 : 0,
  );
}
