import type { Deps } from "../deps";
import { ConflictError, NotFoundError } from "../errors";
import { enqueueResume } from "../jobs/queues";
import { toRunJson } from "./run-row";
import { findRun } from "./find-run";
import { listAuditEntries } from "./list-audit-entries";

/**
 * `POST /api/runs/{id}/signals/{name}`. In one statement: the run must be waiting with a node parked on that
 * signal; the node leaves `waiting_for` and its step is written as succeeded with the body as its output (the
 * resumed run takes it from its checkpoints), with a `run_signalled` audit entry naming `actor`. Concurrent
 * signals: the row's update re-checks `waiting_for`, so exactly one delivers. Then a resume job is enqueued.
 */
export async function signalRun(
  deps: Pick<Deps, "db" | "queues" | "logger">,
  runId: string,
  name: string,
  payload: unknown,
  actor = "signal",
) {
  // Postgres text cannot hold NUL: such a name matches no signal, and is not sent to the database.
  if (name.includes("\u0000")) {
    if ((await findRun(deps.db, runId)) === null) throw new NotFoundError("Workflow run not found");
    throw new ConflictError("Run is not waiting for that signal.");
  }
  const rows = await deps.db.$queryRawUnsafe<{ id: string; queue: string; priority: number }[]>(
    `WITH target AS (
       SELECT w.key AS node_id FROM runs r, jsonb_each(r.waiting_for) w
       WHERE r.id = $1::uuid AND r.status = 'waiting' AND w.value->>'kind' = 'signal' AND w.value->>'name' = $2
     ), upd AS (
       UPDATE runs r SET waiting_for = r.waiting_for - (SELECT array_agg(node_id) FROM target),
                         updated_at = clock_timestamp()
       WHERE r.id = $1::uuid AND r.status = 'waiting'
         AND jsonb_exists_any(r.waiting_for, (SELECT array_agg(node_id) FROM target))
       RETURNING r.id, r.attempt, r.updated_at, r.queue, r.priority
     ), steps AS (
       INSERT INTO run_steps (run_id, node_id, attempt, status, output, started_at, finished_at)
       SELECT upd.id, target.node_id, upd.attempt, 'succeeded', $3::jsonb, upd.updated_at, upd.updated_at
       FROM upd, target
     ), audit AS (
       INSERT INTO run_audit_entries (run_id, actor, action, at, metadata)
       SELECT upd.id, $4::text, 'run_signalled', upd.updated_at, jsonb_build_object('name', $2::text) FROM upd
     )
     SELECT id::text AS id, queue, priority FROM upd`,
    runId,
    name,
    JSON.stringify(payload ?? {}),
    actor,
  );
  if (rows.length === 0) {
    if ((await findRun(deps.db, runId)) === null) throw new NotFoundError("Workflow run not found");
    throw new ConflictError(`Run is not waiting for signal '${name}'.`);
  }
  try {
    await enqueueResume(deps.queues, rows[0]!, new Date());
  } catch (err) {
    deps.logger.warn("resume not enqueued after a signal", {
      runId,
      err: err instanceof Error ? err.message : String(err),
    });
  }
  const run = (await findRun(deps.db, runId))!;
  const audit = await listAuditEntries(deps.db, [runId]);
  return toRunJson(run, audit.get(runId) ?? []);
}
