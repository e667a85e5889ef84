import type { Queue } from "bullmq";
import { z } from "zod";
import type { Queues } from "./queues";
import { withTimeout } from "../with-timeout";

export const QUEUE_STATES = ["waiting", "active", "delayed", "prioritized", "failed", "completed"] as const;

const Count = z.number().int();

/** One queue's job counts (see runs/run-response.ts for why the API's answers are zod schemas). */
export const QueueDepth = z.strictObject({
  name: z.string(),
  counts: z
    .strictObject({
      waiting: Count,
      active: Count,
      delayed: Count,
      prioritized: Count,
      failed: Count,
      completed: Count,
    } satisfies Record<(typeof QUEUE_STATES)[number], typeof Count>)
    .nullable()
    .meta({ description: "null when Redis did not answer within the timeout (2 s); the reason is in `error`" }),
  error: z.string().optional().meta({ description: "Why the counts are missing" }),
});
export type QueueDepth = z.output<typeof QueueDepth>;

async function countJobs(queue: Queue, timeoutMs: number): Promise<QueueDepth> {
  try {
    const counts = await withTimeout(
      queue.getJobCounts(...QUEUE_STATES),
      timeoutMs,
      `no answer from Redis within ${timeoutMs} ms`,
    );
    return {
      name: queue.name,
      counts: Object.fromEntries(QUEUE_STATES.map((s) => [s, counts[s] ?? 0])) as QueueDepth["counts"],
    };
  } catch (err) {
    return { name: queue.name, counts: null, error: err instanceof Error ? err.message : String(err) };
  }
}

/** Job counts per state of every queue; a queue Redis does not answer for within `timeoutMs` reads as unavailable. */
export async function getQueueDepths(queues: Pick<Queues, "runs" | "beat">, timeoutMs = 2_000): Promise<QueueDepth[]> {
  return Promise.all([countJobs(queues.runs, timeoutMs), countJobs(queues.beat, timeoutMs)]);
}
