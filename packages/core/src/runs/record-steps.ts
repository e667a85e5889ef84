import { queryRows, type Queryable } from "../db";
import type { StepRecord } from "../engine/execute-graph";
import { stepRowsSql, toStepRows } from "./step-rows-sql";

const recordStepsSql = (dedupe: boolean) =>
  `WITH ins AS (${stepRowsSql({ runId: "$1::uuid", attempt: "$2::int", rows: "$3::jsonb", dedupe })} RETURNING 1)
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
