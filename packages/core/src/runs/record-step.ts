import type { Db } from "../db";
import type { StepRecord } from "../engine/execute-graph";

/**
 * Appends steps in one statement, in the given order (the history's order). Fenced on the run's attempt: a
 * worker whose run was taken over (attempt moved on) writes nothing. Returns the number of steps written.
 */
export async function recordSteps(
  db: Db,
  runId: string,
  attempt: number,
  steps: readonly StepRecord[],
): Promise<number> {
  if (steps.length === 0) return 0;
  const rows = steps.map((s, ord) => ({
    ord,
    node_id: s.nodeId,
    status: s.status,
    output: s.output ?? null,
    error: s.error,
    log: s.log,
    started_at: s.startedAt.toISOString(),
    finished_at: s.finishedAt.toISOString(),
  }));
  return db.$executeRawUnsafe(
    `INSERT INTO run_steps (run_id, node_id, attempt, status, output, error, log, started_at, finished_at)
     SELECT $1::uuid, s.node_id, $2, s.status, s.output, s.error,
            CASE WHEN jsonb_typeof(s.log) = 'null' THEN NULL ELSE s.log END, s.started_at, s.finished_at
     FROM jsonb_to_recordset($3::jsonb) AS s(ord int, node_id text, status text, output jsonb, error text, log jsonb,
                                            started_at timestamptz, finished_at timestamptz)
     WHERE EXISTS (SELECT 1 FROM runs WHERE id = $1::uuid AND attempt = $2)
     ORDER BY s.ord`,
    runId,
    attempt,
    JSON.stringify(rows),
  );
}
