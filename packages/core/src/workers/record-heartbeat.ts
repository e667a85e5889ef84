import { queryRows, type Db } from "../db";

export type WorkerIdentity = {
  id: string;
  host: string;
  pid: number;
  concurrency: number;
  /** The routing queues it consumes (WORKER_QUEUES); the default queue alone when absent. */
  queues?: readonly string[];
  startedAt: Date;
  /** Where its metrics listener is (null: none). */
  metricsPort?: number | null;
};

/**
 * A worker's heartbeat, one statement: renews the lease of every run it executes (those still running under its
 * name) and upserts its row in the workers registry. Returns the runs whose lease was renewed; a run missing from
 * it is no longer this worker's (cancelled, or taken over after a lease that expired anyway).
 */
export async function recordHeartbeat(
  db: Db,
  worker: WorkerIdentity,
  runIds: readonly string[],
  leaseSeconds: number,
): Promise<Set<string>> {
  const rows = await queryRows<{ id: string }>(
    db,
    `WITH renewed AS (
       UPDATE runs SET lease_expires_at = clock_timestamp() + make_interval(secs => $3::int)
       WHERE id = ANY($2::uuid[]) AND status = 'running' AND lease_owner = $1
       RETURNING id
     ), registered AS (
       INSERT INTO workers (id, host, pid, concurrency, active_run_ids, started_at, last_heartbeat_at, metrics_port,
                            queues)
       VALUES ($1, $4, $5, $6, $2::uuid[], $7::timestamptz, clock_timestamp(), $8::int, $9::text[])
       ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid, concurrency = excluded.concurrency,
         active_run_ids = excluded.active_run_ids, started_at = excluded.started_at,
         last_heartbeat_at = excluded.last_heartbeat_at, metrics_port = excluded.metrics_port, queues = excluded.queues
     )
     SELECT id::text AS id FROM renewed`,
    [
      worker.id,
      runIds,
      leaseSeconds,
      worker.host,
      worker.pid,
      worker.concurrency,
      worker.startedAt.toISOString(),
      worker.metricsPort ?? null,
      worker.queues ?? ["default"],
    ],
    true,
  );
  return new Set(rows.map((r) => r.id));
}

/** A graceful shutdown takes the worker out of the registry (a killed one ages out of it). */
export async function removeWorker(db: Db, workerId: string): Promise<void> {
  await db.worker.deleteMany({ where: { id: workerId } });
}

/** Rows of workers killed long ago (a graceful stop deletes its own): the beat prunes them. */
export async function pruneDeadWorkers(db: Db, olderThanSeconds = 86_400): Promise<number> {
  return db.$executeRawUnsafe(
    `DELETE FROM workers WHERE last_heartbeat_at < clock_timestamp() - make_interval(secs => $1)`,
    olderThanSeconds,
  );
}
