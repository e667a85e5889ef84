import { queryRows, returnQuerySource, type Queryable } from "../db";
import { outputPayloadOf, resultOf } from "../runs/run-row";
import { isTerminal, statusInSql, TERMINAL_STATUSES, type RunStatus } from "../runs/run-status";
import { formatRunEventCursor, type RunEventCursor } from "./run-event-cursor";

/** One server-sent event of a run's stream: `event`, `id` (a cursor) and its JSON `data` (docs/run-events.md). */
export type RunEventMessage = {
  event: "status" | "step" | "log" | "child" | "end" | "error";
  /** Absent on `GET /api/events`, which has no replay. */
  id?: string;
  data: unknown;
};

/** A stream's request: the run and where its client stands. */
export type RunEventRead = { runId: string; cursor: RunEventCursor };

/**
 * What happened to the run after the cursor, in order; `ended`: the last event is `end`. `held`: some of it is
 * committed but not sent yet (a child's entry behind a transaction still running): read again shortly, whatever is
 * heard. Null: no such run.
 */
export type RunEventBatch = { events: RunEventMessage[]; cursor: RunEventCursor; ended: boolean; held: boolean } | null;

/** The status each audit action leaves a run in; actions that change no status (a signal) send no event. */
const STATUS_OF_ACTION: Readonly<Record<string, RunStatus>> = {
  run_created: "pending",
  run_started: "running",
  run_resumed: "running",
  run_waiting: "waiting",
  run_succeeded: "succeeded",
  run_failed: "failed",
  run_cancelled: "cancelled",
  run_retry_scheduled: "pending",
  run_handed_over: "pending",
  run_requeued: "pending",
  run_lease_expired: "pending",
  run_crash_limit_reached: "failed",
};

/** A step's output larger than this goes out as `output_truncated: true` (the run's steps route has it whole). */
const MAX_EVENT_OUTPUT_CHARS = 64 * 1024;

const isoSql = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The oldest transaction still running (in this statement's snapshot) that may write in this database, else the
 * snapshot's xmax: every entry of an older transaction is settled, and every entry still to come is of this one or
 * a newer. Transactions of other databases on the server (pg_stat_get_activity names theirs) cannot write here and
 * are passed over, so a long one elsewhere holds nothing back; one that ended since the snapshot is not listed there
 * any more and counts, which is safe (the next read passes it). Uncorrelated: evaluated once per statement, and only
 * when a run has child entries to read.
 */
const HORIZON_SQL = `SELECT coalesce(min(x.xid), pg_snapshot_xmax(pg_current_snapshot()))
  FROM pg_snapshot_xip(pg_current_snapshot()) AS x(xid)
  WHERE NOT EXISTS (SELECT 1 FROM pg_stat_get_activity(NULL) b
                    WHERE b.backend_xid = x.xid::xid AND b.datid IS DISTINCT FROM
                          (SELECT d.oid FROM pg_database d WHERE d.datname = current_database()))`;

/**
 * Every run's events after its cursor, for many streams in one statement (the hub gathers a turn's reads): audit
 * entries (each with the attempt it happened in: the starts before it) and steps, in one snapshot with the run,
 * so a run seen finished has every event before its end here. A run's direct children's audit entries are its
 * `child` events (an index probe on runs_parent_idx for a run without children), read after the cursor's child
 * part in (xid, id) order: two children's entries are written by unrelated transactions, so a lower id can commit
 * after a higher one was read. An entry of a transaction at or above the horizon (HORIZON_SQL) is `held`: one of a
 * transaction still running could come before it. Below it, every transaction has settled, and every entry still
 * to come sorts after the last one sent. The snapshot is the statement's own: no session state.
 *
 * It runs as the body of the function switchyard_read_run_events (READ_FUNCTION_SOURCE; the migration that
 * defines it must carry this text, which a test checks), whose plan is kept: the reads come as one jsonb recordset
 * (`reads`), whose size is a constant to the planner, where arrays had each read planned anew (planning cost three
 * times the execution), and the function plans with sequential scans, hash and merge joins off, so a plan chosen
 * while the tables were tiny still finds each run, entry and step by index once they have grown.
 */
const READ_SQL = `
SELECT q.k::int AS k, r.status, r.error, r.execute,
  CASE WHEN ${statusInSql("r.status", TERMINAL_STATUSES)} THEN r.input_payload END AS "inputPayload",
  CASE WHEN ${statusInSql("r.status", TERMINAL_STATUSES)} THEN r.output_payload END AS "outputPayload",
  (SELECT coalesce(json_agg(json_build_object('id', x.id, 'action', x.action, 'at', ${isoSql("x.at")},
            'attempt', x.starts) ORDER BY x.id), '[]'::json)
     FROM (SELECT a.id, a.action, a.at,
                  count(*) FILTER (WHERE a.action = 'run_started') OVER (ORDER BY a.id) AS starts
             FROM run_audit_entries a WHERE a.run_id = r.id) x
    WHERE x.id > q.audit_after) AS audits,
  (SELECT coalesce(json_agg(json_build_object('id', s.id, 'node_id', s.node_id, 'attempt', s.attempt,
            'status', s.status, 'output', s.output, 'error', s.error, 'log', s.log,
            'started_at', ${isoSql("s.started_at")}, 'finished_at', ${isoSql("s.finished_at")}) ORDER BY s.id), '[]'::json)
     FROM run_steps s WHERE s.run_id = r.id AND s.id > q.step_after) AS steps,
  (SELECT coalesce(json_agg(json_build_object('id', a.id, 'xid', a.xid::text, 'child', c.id, 'action', a.action,
            'at', ${isoSql("a.at")}, 'held', a.xid >= (${HORIZON_SQL})) ORDER BY a.xid, a.id), '[]'::json)
     FROM runs c
     CROSS JOIN LATERAL (SELECT a.id, a.xid, a.action, a.at FROM run_audit_entries a
                          WHERE a.run_id = c.id AND (a.xid, a.id) > (q.child_xid::xid8, q.child_after)
                          OFFSET 0) a
    WHERE c.parent_run_id = r.id) AS "childAudits"
FROM jsonb_to_recordset(reads) AS q(k int, run_id uuid, audit_after bigint, step_after bigint, child_xid text,
                                    child_after bigint)
JOIN runs r ON r.id = q.run_id`;

/** The source of switchyard_read_run_events as its migration defines it. */
export const READ_FUNCTION_SOURCE = returnQuerySource(READ_SQL);

const CALL_SQL = `SELECT k, status, error, execute, "inputPayload", "outputPayload", audits, steps, "childAudits"
  FROM switchyard_read_run_events($1::jsonb)`;

type AuditItem = { id: number; action: string; at: string; attempt: number };
/** An audit entry of a direct child run: a `child` event of its parent; `held`: not to be sent yet. */
type ChildAuditItem = { id: number; xid: string; child: string; action: string; at: string; held: boolean };
type StepItem = {
  id: number;
  node_id: string;
  attempt: number;
  status: string;
  output: unknown;
  error: string | null;
  log: unknown;
  started_at: string | null;
  finished_at: string | null;
};
type Row = {
  k: number;
  status: RunStatus;
  error: string | null;
  execute: boolean;
  inputPayload: unknown;
  outputPayload: unknown;
  audits: AuditItem[];
  steps: StepItem[];
  childAudits: ChildAuditItem[];
};

export async function readRunEvents(db: Queryable, reads: readonly RunEventRead[]): Promise<RunEventBatch[]> {
  if (reads.length === 0) return [];
  const rows = await queryRows<Row>(
    db,
    CALL_SQL,
    [
      JSON.stringify(
        reads.map((r, i) => ({
          k: i + 1,
          run_id: r.runId,
          audit_after: r.cursor.audit,
          step_after: r.cursor.step,
          child_xid: String(r.cursor.childXid),
          child_after: r.cursor.childAudit,
        })),
      ),
    ],
    true,
  );
  const out: RunEventBatch[] = reads.map(() => null);
  for (const row of rows) {
    const read = reads[row.k - 1];
    if (read !== undefined) out[row.k - 1] = toEvents(read, row);
  }
  return out;
}

function toEvents({ runId, cursor: from }: RunEventRead, row: Row): NonNullable<RunEventBatch> {
  const cursor = { ...from };
  const events: RunEventMessage[] = [];
  // Held child entries wait, and so do the run's own entries after the first of them, which keeps a child's
  // change before the parent's own later ones (its end among them).
  // The held ones are the tail of the children's entries (their transactions are the newest).
  const children = row.childAudits.filter((c) => !c.held);
  const held = children.length < row.childAudits.length;
  const heldFrom = Math.min(...row.childAudits.filter((c) => c.held).map((c) => c.id));
  const own = held ? row.audits.filter((a) => a.id < heldFrom) : row.audits;
  const audits = children.length === 0 ? own : byId(own, children);
  for (const item of interleave(audits, row.steps)) {
    if ("action" in item) {
      if ("child" in item) {
        cursor.childXid = Number(item.xid);
        cursor.childAudit = item.id;
      } else cursor.audit = item.id;
      const status = STATUS_OF_ACTION[item.action];
      if (status === undefined) continue;
      if ("child" in item) {
        events.push({
          event: "child",
          id: formatRunEventCursor(cursor),
          data: { run_id: runId, child_run_id: item.child, status },
        });
        continue;
      }
      events.push({
        event: "status",
        id: formatRunEventCursor(cursor),
        data: { run_id: runId, status, attempt: item.attempt, at: item.at },
      });
      continue;
    }
    const lines = logLines(item.log);
    for (let i = cursor.lines; i < lines.length; i++) {
      cursor.lines = i + 1;
      events.push({
        event: "log",
        id: formatRunEventCursor(cursor),
        data: {
          run_id: runId,
          node_id: item.node_id,
          level: lines[i]!.level,
          message: lines[i]!.message,
          at: item.finished_at,
        },
      });
    }
    cursor.step = item.id;
    cursor.lines = 0;
    const output = JSON.stringify(item.output ?? null);
    events.push({
      event: "step",
      id: formatRunEventCursor(cursor),
      data: {
        run_id: runId,
        node_id: item.node_id,
        attempt: item.attempt,
        status: item.status,
        ...(output.length > MAX_EVENT_OUTPUT_CHARS ? { output_truncated: true } : { output: item.output }),
        error: item.error,
        started_at: item.started_at,
        finished_at: item.finished_at,
      },
    });
  }
  const ended = !held && isTerminal(row.status);
  if (ended) {
    const result = resultOf(outputPayloadOf(row));
    events.push({
      event: "end",
      id: `${formatRunEventCursor({ ...cursor, lines: 0 })}:end`,
      data: {
        run_id: runId,
        status: row.status,
        ...(row.status === "succeeded" ? { result } : { error: row.error }),
      },
    });
  }
  return { events, cursor, ended, held };
}

/**
 * A run's own audit entries (in id order) and its children's (in transaction order, nearly id order), merged by
 * id with each list's order kept.
 */
function byId(own: AuditItem[], children: ChildAuditItem[]): (AuditItem | ChildAuditItem)[] {
  const out: (AuditItem | ChildAuditItem)[] = [];
  let i = 0;
  let j = 0;
  while (i < own.length || j < children.length) {
    const a = own[i];
    const c = children[j];
    if (c === undefined || (a !== undefined && a.id < c.id)) out.push(own[i++]!);
    else out.push(children[j++]!);
  }
  return out;
}

/**
 * Audit entries and steps each in their own order, interleaved by time: a status change before a step of the same
 * instant, a run's end after it.
 */
function interleave(
  audits: (AuditItem | ChildAuditItem)[],
  steps: StepItem[],
): (AuditItem | ChildAuditItem | StepItem)[] {
  // A child's end is not its parent's: it goes before a step of the same instant.
  const rank = (a: AuditItem | ChildAuditItem) =>
    !("child" in a) && isTerminal(STATUS_OF_ACTION[a.action] ?? "pending") ? 2 : 0;
  const out: (AuditItem | ChildAuditItem | StepItem)[] = [];
  let i = 0;
  let j = 0;
  while (i < audits.length || j < steps.length) {
    const a = audits[i];
    const s = steps[j];
    if (s === undefined) out.push(audits[i++]!);
    else if (a === undefined) out.push(steps[j++]!);
    else {
      const at = Date.parse(a.at);
      const st = Date.parse(s.finished_at ?? s.started_at ?? a.at);
      if (at < st || (at === st && rank(a) < 1)) out.push(audits[i++]!);
      else out.push(steps[j++]!);
    }
  }
  return out;
}

function logLines(log: unknown): { level: string; message: string }[] {
  const list: unknown[] = Array.isArray(log) ? log : log === null || log === undefined ? [] : [log];
  return list.filter(
    (l): l is { level: string; message: string } =>
      typeof l === "object" && l !== null && typeof (l as { message?: unknown }).message === "string",
  );
}
