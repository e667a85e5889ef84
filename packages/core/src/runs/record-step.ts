import { queryRows, type Queryable } from "../db";
import type { StepRecord } from "../engine/execute-graph";

type StepRow = {
  ord: number;
  node_id: string;
  status: string;
  output: unknown;
  error: string | null;
  log: unknown;
  started_at: string;
  finished_at: string;
};

export function toStepRows(steps: readonly StepRecord[]): StepRow[] {
  return steps.map((s, ord) => ({
    ord,
    node_id: s.nodeId,
    status: s.status,
    output: s.output ?? null,
    error: s.error,
    log: s.log,
    started_at: s.startedAt.toISOString(),
    finished_at: s.finishedAt.toISOString(),
  }));
}

/**
 * INSERT of steps given as a JSON array (`toStepRows`), in their order, only while the run is at `attempt`.
 * `dedupe`: skips steps already written (same node, attempt and start): a retried write whose first try may have
 * committed without its reply arriving writes each step once. `source`: a relation the expressions read from
 * (the rows of a multi-run statement, `i`), joined before the steps, whose `order` sorts first, and `ids` the
 * array of its run ids, which restricts the fence's read of runs to an index condition.
 */
export const STEP_ROWS_SQL = (
  runId: string,
  attempt: string,
  rows: string,
  dedupe = false,
  source?: { from: string; order: string; ids: string },
) =>
  `INSERT INTO run_steps (run_id, node_id, attempt, status, output, error, log, started_at, finished_at)
     SELECT ${runId}, s.node_id, ${attempt}, s.status, s.output, s.error,
            CASE WHEN jsonb_typeof(s.log) = 'null' THEN NULL ELSE s.log END, s.started_at, s.finished_at
     FROM ${source === undefined ? "" : `${source.from} CROSS JOIN LATERAL `}jsonb_to_recordset(${rows})
          AS s(ord int, node_id text, status text, output jsonb, error text, log jsonb,
               started_at timestamptz, finished_at timestamptz)
     WHERE EXISTS (SELECT 1 FROM runs WHERE id = ${runId} AND attempt = ${attempt}${
       source === undefined ? "" : ` AND id = ANY(${source.ids})`
     })${
       dedupe
         ? `
       AND NOT EXISTS (SELECT 1 FROM run_steps x WHERE x.run_id = ${runId} AND x.attempt = ${attempt}
                         AND x.node_id = s.node_id AND x.started_at = s.started_at)`
         : ""
     }
     ORDER BY ${source === undefined ? "" : `${source.order}, `}s.ord`;

const recordStepsSql = (dedupe: boolean) =>
  `WITH ins AS (${STEP_ROWS_SQL("$1::uuid", "$2::int", "$3::jsonb", dedupe)} RETURNING 1)
  SELECT count(*)::int AS n FROM ins`;
const RECORD_STEPS_SQL = recordStepsSql(false);
const RECORD_STEPS_DEDUPE_SQL = recordStepsSql(true);

/**
 * Appends steps in one statement, in the given order (the history's order). Fenced on the run's attempt: a
 * worker whose run was taken over (attempt moved on) writes nothing. Returns the number of steps written.
 */
export async function recordSteps(
  db: Queryable,
  runId: string,
  attempt: number,
  steps: readonly StepRecord[],
  options: { dedupe?: boolean } = {},
): Promise<number> {
  if (steps.length === 0) return 0;
  const rows = await queryRows<{ n: number }>(
    db,
    options.dedupe === true ? RECORD_STEPS_DEDUPE_SQL : RECORD_STEPS_SQL,
    [runId, attempt, JSON.stringify(toStepRows(steps))],
    true,
  );
  return rows[0]?.n ?? 0;
}
