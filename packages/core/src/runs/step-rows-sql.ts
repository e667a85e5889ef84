import type { StepRecord } from "../engine/execute-graph";

/** A step as a statement reads it: one element of the JSON array `stepRowsSql` inserts from. */
export type StepRow = {
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

export type StepRowsSql = {
  /** SQL expressions of the run's id, the attempt the steps belong to, and the JSON array of `toStepRows`. */
  runId: string;
  attempt: string;
  rows: string;
  /**
   * Skips steps already written (same node, attempt and start): a retried write whose first try may have committed
   * without its reply arriving writes each step once.
   */
  dedupe?: boolean;
  /**
   * Several runs' steps: `from` is the relation of the statement's rows (`i`) that the expressions read from, joined
   * before the steps, `order` sorts first, and `ids` is the array of its run ids, which restricts the fence's read of
   * runs to an index condition.
   */
  batch?: { from: string; order: string; ids: string };
};

/** INSERT of steps given as a JSON array (`toStepRows`), in their order, only while the run is at `attempt`. */
export function stepRowsSql({ runId, attempt, rows, dedupe = false, batch }: StepRowsSql): string {
  const from = batch === undefined ? "" : `${batch.from} CROSS JOIN LATERAL `;
  const fence = batch === undefined ? "" : ` AND id = ANY(${batch.ids})`;
  const skipWritten = dedupe
    ? `
       AND NOT EXISTS (SELECT 1 FROM run_steps x WHERE x.run_id = ${runId} AND x.attempt = ${attempt}
                         AND x.node_id = s.node_id AND x.started_at = s.started_at)`
    : "";
  return `INSERT INTO run_steps (run_id, node_id, attempt, status, output, error, log, started_at, finished_at)
     SELECT ${runId}, s.node_id, ${attempt}, s.status, s.output, s.error,
            CASE WHEN jsonb_typeof(s.log) = 'null' THEN NULL ELSE s.log END, s.started_at, s.finished_at
     FROM ${from}jsonb_to_recordset(${rows})
          AS s(ord int, node_id text, status text, output jsonb, error text, log jsonb,
               started_at timestamptz, finished_at timestamptz)
     WHERE EXISTS (SELECT 1 FROM runs WHERE id = ${runId} AND attempt = ${attempt}${fence})${skipWritten}
     ORDER BY ${batch === undefined ? "" : `${batch.order}, `}s.ord`;
}
