import type { Db } from "../db";
import { iso } from "../runs/run-row";

/** A worker is live while its last heartbeat is within this many heartbeat intervals. */
export const LIVE_HEARTBEATS = 3;

export type LiveWorkerJson = {
  id: string;
  host: string;
  pid: number;
  concurrency: number;
  active_runs: string[];
  started_at: string | null;
  last_heartbeat_at: string | null;
};

/** The registered workers whose heartbeat is recent (GET /api/system/workers), by id. */
export async function listLiveWorkers(db: Db, now: Date, heartbeatSeconds: number): Promise<LiveWorkerJson[]> {
  const since = new Date(now.getTime() - LIVE_HEARTBEATS * heartbeatSeconds * 1_000);
  const rows = await db.worker.findMany({ where: { lastHeartbeatAt: { gte: since } }, orderBy: { id: "asc" } });
  return rows.map((w) => ({
    id: w.id,
    host: w.host,
    pid: w.pid,
    concurrency: w.concurrency,
    active_runs: w.activeRunIds,
    started_at: iso(w.startedAt),
    last_heartbeat_at: iso(w.lastHeartbeatAt),
  }));
}
