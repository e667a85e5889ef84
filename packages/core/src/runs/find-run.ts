import { queryRows, type Db } from "../db";
import { RUN_COLUMNS, type RunRow } from "./run-row";

/** One run as stored, or null. */
export async function findRun(db: Db, runId: string): Promise<RunRow | null> {
  const rows = await queryRows<RunRow>(db, `SELECT ${RUN_COLUMNS} FROM runs r WHERE r.id = $1::uuid`, [runId], true);
  return rows[0] ?? null;
}
