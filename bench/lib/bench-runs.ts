import type pg from "pg";
import { until } from "./bench-env";

/** Waits until `count` runs of the workflow have ended (succeeded or failed). */
export async function untilRunsFinished(
  pool: pg.Pool,
  workflowId: string,
  count: number,
  label: string,
  timeoutMs = 600_000,
): Promise<void> {
  await until(
    async () => {
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM runs WHERE workflow_id = $1 AND status IN ('succeeded', 'failed')`,
        [workflowId],
      );
      return rows[0]!.n >= count;
    },
    `${label} runs to finish`,
    timeoutMs,
    250,
  );
}

/**
 * `count` runs of the workflow over the time from `start` to its last completion (per second), and that completion;
 * throws when any did not succeed.
 */
export async function completionOf(
  pool: pg.Pool,
  workflowId: string,
  count: number,
  start: number,
  label: string,
): Promise<{ completedPerS: number; lastCompletedAt: number }> {
  const { rows } = await pool.query<{ last: Date; failed: number }>(
    `SELECT max(completed_at) AS last, count(*) FILTER (WHERE status <> 'succeeded')::int AS failed
     FROM runs WHERE workflow_id = $1`,
    [workflowId],
  );
  if (rows[0]!.failed > 0) throw new Error(`${label}: ${rows[0]!.failed} runs did not succeed`);
  const lastCompletedAt = rows[0]!.last.getTime();
  return { completedPerS: (count / (lastCompletedAt - start)) * 1000, lastCompletedAt };
}
