import { z } from "zod";
import { queryRows, type Db } from "../db";
import type { Queues } from "../jobs/queues";
import { LIVE_HEARTBEATS } from "../workers/list-live-workers";
import { withTimeout } from "../with-timeout";
import { DEFAULT_QUEUE } from "./routing";

const Count = z.number().int().nullable();

/** One routing queue as `GET /api/system/queues` lists it (see runs/run-response.ts for why answers are schemas). */
export const RoutingQueueJson = z.strictObject({
  queue: z.string(),
  consumers: z.array(z.string()).meta({ description: "Ids of the live workers that consume it (WORKER_QUEUES)" }),
  backlog: Count.meta({
    description:
      "Jobs ready to start and waiting for a worker (BullMQ waiting + prioritized); null: Redis did not answer",
  }),
  delayed: Count.meta({ description: "Jobs due later (run_at, retry backoff, resume times)" }),
  active: Count.meta({ description: "Jobs a worker holds now" }),
  no_consumer: z.boolean().meta({ description: "true when it has a backlog and no live worker consumes it" }),
});
export type RoutingQueueJson = z.output<typeof RoutingQueueJson>;

/**
 * Every queue worth knowing about: the default one, those workflows route to, those live workers consume, and those
 * of pending runs (a workflow routed elsewhere since), each with its consumers and its job counts in Redis (given up
 * after `timeoutMs`). Sorted by name, the default queue first.
 */
export async function listRoutingQueues(
  deps: { db: Db; queues: Pick<Queues, "runQueue"> },
  options: { now: Date; heartbeatSeconds: number; timeoutMs?: number },
): Promise<RoutingQueueJson[]> {
  const since = new Date(options.now.getTime() - LIVE_HEARTBEATS * options.heartbeatSeconds * 1_000);
  const rows = await queryRows<{ queue: string; consumers: string[] }>(
    deps.db,
    // runs_pending_queue_idx holds the pending runs off the default queue only.
    `WITH known AS (
       SELECT $2::text AS queue
       UNION SELECT queue FROM workflows
       UNION SELECT DISTINCT queue FROM runs WHERE status = 'pending' AND execute AND queue <> 'default'
       UNION SELECT unnest(queues) FROM workers WHERE last_heartbeat_at >= $1::timestamptz
     )
     SELECT k.queue, coalesce(array_agg(w.id ORDER BY w.id) FILTER (WHERE w.id IS NOT NULL), '{}') AS consumers
     FROM known k LEFT JOIN workers w ON w.last_heartbeat_at >= $1::timestamptz AND k.queue = ANY(w.queues)
     GROUP BY k.queue ORDER BY k.queue <> $2, k.queue`,
    [since.toISOString(), DEFAULT_QUEUE],
  );
  const timeoutMs = options.timeoutMs ?? 2_000;
  return Promise.all(
    rows.map(async ({ queue, consumers }) => {
      const counts = await withTimeout(
        deps.queues.runQueue(queue).getJobCounts("waiting", "prioritized", "delayed", "active"),
        timeoutMs,
        `no answer from Redis within ${timeoutMs} ms`,
      ).catch(() => null);
      const backlog = counts === null ? null : (counts.waiting ?? 0) + (counts.prioritized ?? 0);
      return {
        queue,
        consumers,
        backlog,
        delayed: counts?.delayed ?? null,
        active: counts?.active ?? null,
        no_consumer: consumers.length === 0 && (backlog ?? 0) > 0,
      };
    }),
  );
}
