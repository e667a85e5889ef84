import type { Db } from "../db";
import type { ChildCounts } from "./run-response";

/** A run's child runs by status (through runs_parent_idx). */
export async function countChildren(db: Db, runId: string): Promise<ChildCounts> {
  const rows = await db.$queryRawUnsafe<{ status: string; n: number }[]>(
    `SELECT status, count(*)::int AS n FROM runs WHERE parent_run_id = $1::uuid GROUP BY status`,
    runId,
  );
  const counts: ChildCounts = { total: 0, pending: 0, running: 0, waiting: 0, succeeded: 0, failed: 0, cancelled: 0 };
  for (const { status, n } of rows) {
    counts.total += n;
    if (Object.hasOwn(counts, status)) counts[status as keyof ChildCounts] += n;
  }
  return counts;
}
