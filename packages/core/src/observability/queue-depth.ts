import { Gauge, type Registry } from "prom-client";
import type { Queue } from "bullmq";
import type { Queues } from "../jobs/queues";

const STATES = ["waiting", "active", "delayed", "prioritized", "waiting-children", "failed", "completed"] as const;

/** A scrape must answer while Redis is away: the counts are given up after this long. */
export const QUEUE_DEPTH_TIMEOUT_MS = 1_000;

/**
 * Registers the queue gauges, read from BullMQ (getJobCounts) at each scrape. When Redis does not answer within
 * the timeout the scrape still succeeds: the job gauge carries no samples and `switchyard_queue_depth_up` is 0.
 */
export function collectQueueDepth(registry: Registry, queues: Pick<Queues, "runs" | "beat">): void {
  const targets: Queue[] = [queues.runs, queues.beat];
  // One read serves both gauges: a scrape collects every metric at once, so the second collect finds it in flight.
  let inFlight: Promise<Record<string, number>[] | null> | undefined;
  const read = () =>
    (inFlight ??= withTimeout(Promise.all(targets.map((q) => q.getJobCounts(...STATES))), QUEUE_DEPTH_TIMEOUT_MS)
      .catch(() => null)
      .finally(() => (inFlight = undefined)));

  new Gauge({
    name: "switchyard_queue_jobs",
    help: "Jobs in each BullMQ queue by state, read at scrape time",
    labelNames: ["queue", "state"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const counts = await read();
      if (counts === null) return;
      targets.forEach((q, i) => {
        for (const state of STATES) this.set({ queue: q.name, state }, counts[i]?.[state] ?? 0);
      });
    },
  });
  new Gauge({
    name: "switchyard_queue_depth_up",
    help: "1 when this scrape read the queue counts from Redis, 0 when Redis did not answer in time",
    registers: [registry],
    async collect() {
      this.set((await read()) === null ? 0 : 1);
    },
  });
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  // A late answer (or error) after the timeout is dropped, not left unhandled.
  p.catch(() => undefined);
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("timeout")), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
