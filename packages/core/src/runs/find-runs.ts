import { queryRows, type Db } from "../db";
import { RUN_COLUMNS, type AuditEntry, type RunRow } from "./run-row";

export async function findRun(db: Db, runId: string): Promise<RunRow | null> {
  const rows = await queryRows<RunRow>(db, `SELECT ${RUN_COLUMNS} FROM runs r WHERE r.id = $1::uuid`, [runId], true);
  return rows[0] ?? null;
}

/** Audit entries of the given runs, oldest first, grouped by run id. */
export async function loadAudit(db: Db, runIds: readonly string[]): Promise<Map<string, AuditEntry[]>> {
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

export type RunPageQuery = {
  workflowId: string;
  limit: number;
  status?: string | undefined;
  triggeredBy?: string | undefined;
  /** Keyset position: runs strictly older than this (created_at, id) pair. */
  after?: { createdAt: Date; id: string } | undefined;
};

/** Newest first, keyset-paginated on (created_at, id); fetches one extra row to know whether more follow. */
export async function listRunsPage(db: Db, q: RunPageQuery): Promise<{ runs: RunRow[]; hasMore: boolean }> {
  const params: unknown[] = [q.workflowId];
  let where = `r.workflow_id = $1::uuid`;
  if (q.status !== undefined) {
    params.push(q.status);
    where += ` AND r.status = $${params.length}`;
  }
  if (q.triggeredBy !== undefined) {
    params.push(q.triggeredBy);
    where += ` AND r.triggered_by = $${params.length}`;
  }
  if (q.after !== undefined) {
    params.push(q.after.createdAt.toISOString(), q.after.id);
    where += ` AND (r.created_at, r.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
  }
  params.push(q.limit + 1);
  const rows = await queryRows<RunRow>(
    db,
    `SELECT ${RUN_COLUMNS} FROM runs r WHERE ${where} ORDER BY r.created_at DESC, r.id DESC LIMIT $${params.length}`,
    params,
    true,
  );
  return { runs: rows.slice(0, q.limit), hasMore: rows.length > q.limit };
}

export function encodeCursor(run: Pick<RunRow, "createdAt" | "id">): string {
  return Buffer.from(`${run.createdAt.toISOString()}|${run.id}`).toString("base64url");
}

/** null when the cursor is not one this API issued. */
export function decodeCursor(cursor: string): { createdAt: Date; id: string } | null {
  const [at, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  if (at === undefined || id === undefined) return null;
  const createdAt = new Date(at);
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  if (Number.isNaN(createdAt.getTime()) || !uuid.test(id)) return null;
  return { createdAt, id };
}
