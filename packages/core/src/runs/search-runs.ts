import { queryRows, type Db } from "../db";
import { RUN_COLUMNS, type RunRow } from "./run-row";
import { VALUE_SEARCH_WINDOW, type RunSearchTerm } from "./run-search-query";
import { LIVE_STATUSES, statusInSql, TERMINAL_STATUSES } from "./run-status";

/** The payload GIN index's condition (finished runs), and the runs it leaves out. */
const FINISHED = statusInSql("r.status", TERMINAL_STATUSES);
const LIVE = statusInSql("r.status", LIVE_STATUSES);

export type RunSearch = {
  workflowId?: string | undefined;
  /** Only the children of this run. */
  parentRunId?: string | undefined;
  status?: string | undefined;
  triggeredBy?: string | undefined;
  createdAfter?: Date | undefined;
  createdBefore?: Date | undefined;
  term?: RunSearchTerm | undefined;
  limit: number;
  /** Keyset position: runs strictly older than this (created_at, id) pair. */
  after?: { createdAt: Date; id: string } | undefined;
  /** A bare-value search's window; VALUE_SEARCH_WINDOW unless a test asks for less. */
  valueWindow?: number;
};

export type RunSearchPage = {
  runs: RunRow[];
  /** Where the next page starts, when more may follow. */
  next: { createdAt: Date; id: string } | null;
};

/** The WHERE clause of the filters other than a bare-value term, with its parameters. */
export function filterSql(s: RunSearch): { where: string; params: unknown[] } {
  const params: unknown[] = [];
  const parts: string[] = [];
  const add = (sql: (n: string) => string, ...values: unknown[]) => {
    params.push(...values);
    parts.push(sql(`$${params.length - values.length + 1}`));
  };
  if (s.workflowId !== undefined) add((p) => `r.workflow_id = ${p}::uuid`, s.workflowId);
  if (s.parentRunId !== undefined) add((p) => `r.parent_run_id = ${p}::uuid`, s.parentRunId);
  if (s.status !== undefined) add((p) => `r.status = ${p}`, s.status);
  if (s.triggeredBy !== undefined) add((p) => `r.triggered_by = ${p}`, s.triggeredBy);
  if (s.createdAfter !== undefined) add((p) => `r.created_at >= ${p}::timestamptz`, s.createdAfter.toISOString());
  if (s.createdBefore !== undefined) add((p) => `r.created_at < ${p}::timestamptz`, s.createdBefore.toISOString());
  if (s.term?.kind === "id") add((p) => `r.id = ${p}::uuid`, s.term.id);
  if (s.term?.kind === "contains") {
    const ors = s.term.documents.map((doc) => {
      params.push(JSON.stringify(doc));
      return `r.input_payload @> $${params.length}::jsonb`;
    });
    // The payload's GIN index holds finished runs only: each document is an arm of its own with the index's condition
    // word for word, so the planner can use the index for it. Live runs are found through the status index and
    // checked one by one. (A containment shared by every arm would be factored out of them, and the index lost.)
    const arms = [...ors.map((c) => `(${FINISHED} AND ${c})`), `(${LIVE} AND (${ors.join(" OR ")}))`];
    parts.push(`(${arms.join(" OR ")})`);
  }
  if (s.after !== undefined) {
    add(
      (p) => `(r.created_at, r.id) < (${p}::timestamptz, $${params.length}::uuid)`,
      s.after.createdAt.toISOString(),
      s.after.id,
    );
  }
  return { where: parts.length === 0 ? "TRUE" : parts.join(" AND "), params };
}

/**
 * Runs across workflows, newest first, keyset-paginated on (created_at, id). Every filter but a bare value is
 * served by an index (created_at, status, workflow, the payload's GIN index for finished runs and the status index
 * for live ones). A bare value is looked for in the
 * `VALUE_SEARCH_WINDOW` most recent runs matching the other filters; when that window holds no more hits, the next
 * cursor continues after it, so a client can search further page by page.
 */
export async function searchRuns(db: Db, s: RunSearch): Promise<RunSearchPage> {
  const { where, params } = filterSql(s);
  if (s.term?.kind !== "value") {
    const rows = await queryRows<RunRow>(
      db,
      `SELECT ${RUN_COLUMNS} FROM runs r WHERE ${where} ORDER BY r.created_at DESC, r.id DESC LIMIT $${params.length + 1}`,
      [...params, s.limit + 1],
    );
    const runs = rows.slice(0, s.limit);
    const last = runs.at(-1);
    return {
      runs,
      next: rows.length > s.limit && last !== undefined ? { createdAt: last.createdAt, id: last.id } : null,
    };
  }

  const n = params.length;
  const window = s.valueWindow ?? VALUE_SEARCH_WINDOW;
  const path = s.term.number === null ? `$.** ? (@ == $s)` : `$.** ? (@ == $s || @ == $n)`;
  const [found] = await queryRows<{ scanned: number; edgeId: string | null; edgeAt: Date | null; ids: string[] }>(
    db,
    `WITH w AS MATERIALIZED (
       SELECT r.id, r.created_at, r.input_payload FROM runs r WHERE ${where}
       ORDER BY r.created_at DESC, r.id DESC LIMIT $${n + 1}
     ),
     edge AS (SELECT id, created_at FROM w ORDER BY created_at, id LIMIT 1),
     hits AS (
       SELECT id, created_at FROM w WHERE jsonb_path_exists(w.input_payload, $${n + 2}::jsonpath, $${n + 3}::jsonb)
       ORDER BY created_at DESC, id DESC LIMIT $${n + 4}
     )
     SELECT (SELECT count(*)::int FROM w) AS scanned, (SELECT id::text FROM edge) AS "edgeId",
            (SELECT created_at FROM edge) AS "edgeAt",
            coalesce((SELECT array_agg(id::text ORDER BY created_at DESC, id DESC) FROM hits), '{}') AS ids`,
    [...params, window, path, JSON.stringify({ s: s.term.text, n: s.term.number }), s.limit + 1],
  );
  const ids = found?.ids ?? [];
  const rows =
    ids.length === 0
      ? []
      : await queryRows<RunRow>(
          db,
          `SELECT ${RUN_COLUMNS} FROM runs r WHERE r.id = ANY($1::uuid[]) ORDER BY r.created_at DESC, r.id DESC`,
          [ids.slice(0, s.limit)],
        );
  const last = rows.at(-1);
  if (ids.length > s.limit && last !== undefined)
    return { runs: rows, next: { createdAt: last.createdAt, id: last.id } };
  const windowFull = found !== undefined && found.scanned >= window && found.edgeId !== null;
  return { runs: rows, next: windowFull ? { createdAt: found.edgeAt!, id: found.edgeId! } : null };
}
