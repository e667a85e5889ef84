import { queryRows, type Db } from "../db";
import type { AuditEntry } from "./run-row";

/** Audit entries of the given runs, oldest first, grouped by run id. */
export async function listAuditEntries(db: Db, runIds: readonly string[]): Promise<Map<string, AuditEntry[]>> {
  const byRun = new Map<string, AuditEntry[]>(runIds.map((id) => [id, []]));
  if (runIds.length === 0) return byRun;
  const rows = await queryRows<AuditEntry>(
    db,
    `SELECT run_id::text AS "runId", actor, action, at, metadata FROM run_audit_entries
     WHERE run_id = ANY($1::uuid[]) ORDER BY run_id, id`,
    [runIds],
    true,
  );
  for (const row of rows) byRun.get(row.runId)?.push(row);
  return byRun;
}
