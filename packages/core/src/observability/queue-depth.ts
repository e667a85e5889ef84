import { Gauge, type Registry } from "prom-client";
import { getQueueDepths, QUEUE_STATES, type QueueDepth } from "../jobs/queue-depth";
import type { Queues } from "../jobs/queues";

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
