import { queryRows, type Db } from "../db";
import { RUN_JSON_SQL } from "./run-row";
import { encodeCursor } from "./run-cursor";

export type RunPageQuery = {
  /** The workflow, as `parseWorkflowRef` reads its reference. */
  workflow: { id: string } | { handle: string };
  limit: number;
  status?: string | undefined;
  triggeredBy?: string | undefined;
  /** Keyset position: runs strictly older than this (created_at, id) pair. */
  after?: { createdAt: Date; id: string } | undefined;
};

export type RunPage = {
  /** The page as the API answers it: a JSON array of runs (`toRunJson`), newest first. */
  json: string;
  /** The cursor of the page's last run when older runs follow, else null. */
  nextCursor: string | null;
};

/**
 * A page of a workflow's runs, newest first, keyset-paginated on (created_at, id), in one statement: the workflow
 * is found by id or handle, one extra run is read to know whether more follow, and Postgres writes the page's
 * JSON (`RUN_JSON_SQL`), audit entries included. null when no workflow has that reference.
 */
export async function listRunsPage(db: Db, q: RunPageQuery): Promise<RunPage | null> {
  const [byRef, ref] = "id" in q.workflow ? ["id = $1::uuid", q.workflow.id] : ["handle = $1", q.workflow.handle];
  const params: unknown[] = [ref, q.limit];
  let where = `r.workflow_id = (SELECT id FROM w)`;
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
  const rows = await queryRows<{
    found: boolean;
    json: string;
    more: boolean;
    lastAt: Date | null;
    lastId: string | null;
  }>(
    db,
    `WITH w AS (SELECT id FROM workflows WHERE ${byRef}),
     page AS (
       SELECT r.*, row_number() OVER (ORDER BY r.created_at DESC, r.id DESC) AS n
       FROM (SELECT * FROM runs r WHERE ${where} ORDER BY r.created_at DESC, r.id DESC LIMIT $2::int + 1) r
     )
     SELECT EXISTS (SELECT 1 FROM w) AS found,
            (SELECT coalesce(json_agg(${RUN_JSON_SQL} ORDER BY p.n), '[]'::json)::text FROM page p WHERE p.n <= $2) AS json,
            EXISTS (SELECT 1 FROM page WHERE n > $2) AS more,
            (SELECT created_at FROM page WHERE n = $2) AS "lastAt",
            (SELECT id::text FROM page WHERE n = $2) AS "lastId"`,
    params,
    true,
  );
  const row = rows[0];
  if (row === undefined || !row.found) return null;
  const nextCursor =
    row.more && row.lastAt !== null && row.lastId !== null
      ? encodeCursor({ createdAt: row.lastAt, id: row.lastId })
      : null;
  return { json: row.json, nextCursor };
}
