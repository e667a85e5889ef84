import { z } from "zod";
import type { Db } from "../db";
import { iso } from "../timestamp";

/** A worker is live while its last heartbeat is within this many heartbeat intervals. */
export const LIVE_HEARTBEATS = 3;

/** One live worker as `GET /api/system/workers` lists it (see runs/run-response.ts for why answers are schemas). */
export const LiveWorkerJson = z.strictObject({
  id: z.string().meta({ description: "WORKER_ID, or <host>-<pid>" }),
  host: z.string(),
  pid: z.number().int(),
  concurrency: z.number().int(),
  queues: z.array(z.string()).meta({ description: "The queues it consumes (WORKER_QUEUES)" }),
  active_runs: z.array(z.string()).meta({ description: "Ids of the runs it executes now" }),
  started_at: z.string().nullable(),
  last_heartbeat_at: z.string().nullable(),
  metrics_port: z.number().int().nullable().meta({
    description: "Port of its /metrics listener on host (a free one when METRICS_PORT was taken); null: none",
  }),
});
export type LiveWorkerJson = z.output<typeof LiveWorkerJson>;

export const SystemWorkersResponse = z.strictObject({ workers: z.array(LiveWorkerJson) });

/** The registered workers whose heartbeat is recent (GET /api/system/workers), by id. */
export async function listLiveWorkers(db: Db, now: Date, heartbeatSeconds: number): Promise<LiveWorkerJson[]> {
  const since = new Date(now.getTime() - LIVE_HEARTBEATS * heartbeatSeconds * 1_000);
  const rows = await db.worker.findMany({ where: { lastHeartbeatAt: { gte: since } }, orderBy: { id: "asc" } });
  return rows.map((w) => ({
    id: w.id,
    host: w.host,
    pid: w.pid,
    concurrency: w.concurrency,
    queues: w.queues,
    active_runs: w.activeRunIds,
    started_at: iso(w.startedAt),
    last_heartbeat_at: iso(w.lastHeartbeatAt),
    metrics_port: w.metricsPort,
  }));
}
