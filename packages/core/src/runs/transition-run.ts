import { queryRows, type Queryable } from "../db";
import type { StepRecord } from "../engine/execute-graph";
import { RUN_COLUMNS, type RunRow } from "./run-row";
import { sourcesOf, type RunStatus } from "./run-status";
import { STEP_ROWS_SQL, toStepRows } from "./record-step";

export type Transition = {
  runId: string;
  to: RunStatus;
  actor: string;
  /** Audit action written with the change (e.g. `run_started`). */
  action: string;
  metadata?: Record<string, unknown>;
  /** Narrows the allowed source statuses below what the transition table permits. */
  from?: readonly RunStatus[];
  /** Fence: only change the run if it is still at this attempt (a worker that lost its job cannot write). */
  attempt?: number;
  /** Starting a run: started_at = now, attempt + 1. */
  start?: boolean;
  /** Only a run whose run_at has come (or has none) changes: a worker never starts a run early. */
  due?: boolean;
  outputPayload?: unknown;
  error?: string | null;
  /** runs.run_at: a run going back to pending for a run-level retry does not start before it. */
  runAt?: Date;
  /** runs.waiting_for: the parked nodes of a run going to `waiting`. */
  waitingFor?: unknown;
  /**
   * Steps appended in the same statement (with `attempt`): fenced on the attempt alone, exactly as `recordSteps`,
   * so they are kept even when the status guard refuses the change.
   */
  steps?: readonly StepRecord[];
  /** Skip steps already written (a retry of a write whose reply was lost; see `STEP_ROWS_SQL`). */
  dedupeSteps?: boolean;
  /** A run going to running: held by this worker until now + seconds (renewed by its heartbeat). */
  lease?: { owner: string; seconds: number };
  /** Only a run whose lease has expired changes (the sweeper's takeover of a run whose worker died). */
  leaseExpired?: boolean;
  /** Only a caller-driven run (created without `execute`) changes: the runs API's start, succeed and fail. */
  callerDriven?: boolean;
  /** Counts a takeover after an expired lease (runs.crash_recoveries + 1). */
  crashRecovery?: boolean;
};

/**
 * The one way a run's status changes: a guarded UPDATE (status IN sources [AND attempt = n]) plus its audit
 * entry in the same statement. Returns the updated run, or null when the guard did not hold (someone else
 * got there first): callers never read-then-write. A change to running sets the run's lease (or none); every other
 * change clears it.
 */
export async function transitionRun(db: Queryable, t: Transition): Promise<RunRow | null> {
  const params: unknown[] = [t.to, allowedSources(t)];
  const row = rowOf(t, 0);
  const value: ValueOf = (col, type) => {
    const v = row[col];
    params.push(type === "jsonb" && v !== undefined ? JSON.stringify(v) : v);
    return `$${params.length}::${type}`;
  };
  const sql = transitionSql(t, value, { from: "", idGuard: `r.id = ${value("id", "uuid")}` });
  // The text depends only on which options are set: a handful of shapes, each prepared once per connection.
  const rows = await queryRows<RunRow>(db, sql, params, true);
  return rows[0] ?? null;
}

/**
 * Several runs' transitions of one shape (`transitionShape`: the same target, guard and options, only the values
 * differ) in one statement: each row is guarded, fenced, audited and given its steps exactly as `transitionRun`
 * does, one round trip and one commit for all. Results are in the order of `ts`; the runs must be distinct (a
 * statement updates a row once).
 */
export async function transitionRuns(db: Queryable, ts: readonly Transition[]): Promise<(RunRow | null)[]> {
  const first = ts[0];
  if (first === undefined) return [];
  if (ts.length === 1) return [await transitionRun(db, first)];
  const shape = transitionShape(first);
  if (ts.some((t) => transitionShape(t) !== shape)) throw new Error("transitionRuns: transitions of one shape only");
  return transitionRunsOfShape(db, shape, ts);
}

/** `transitionRuns` for transitions already known to share `shape` (the batcher groups them by it). */
export async function transitionRunsOfShape(
  db: Queryable,
  shape: string,
  ts: readonly Transition[],
): Promise<(RunRow | null)[]> {
  const first = ts[0];
  if (first === undefined) return [];
  if (ts.length === 1) return [await transitionRun(db, first)];
  if (new Set(ts.map((t) => t.runId)).size !== ts.length) throw new Error("transitionRuns: one transition per run");
  // Rows are locked in id order: two statements over the same runs cannot deadlock.
  const rows = ts.map(rowOf).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  let sql = batchSqls.get(shape);
  if (sql === undefined) {
    sql = transitionSql(first, (col) => `i.${col}`, {
      from: `FROM jsonb_to_recordset($3::jsonb) AS i(${Object.entries(ROW_TYPES)
        .map(([col, type]) => `${col} ${type}`)
        .join(", ")})`,
      // The ids again as an array: an index condition on runs whatever the planner guesses of the rows' count.
      idGuard: `r.id = ANY(${BATCH_IDS}) AND r.id = i.id`,
      returning: `, i.ord AS batch_ord`,
      select: `, r.batch_ord AS "batchOrd"`,
      several: true,
    });
    batchSqls.set(shape, sql);
  }
  // Not prepared: a prepared statement keeps the generic plan it chose after five runs, and one chosen while runs
  // was small (a new database) scans the whole table on every later batch. Planned at each execution, the batch
  // statement sees the table's size and the ids' count, and finds its runs through the primary key.
  const updated = await queryRows<RunRow & { batchOrd: number }>(db, sql, [
    first.to,
    allowedSources(first),
    JSON.stringify(rows),
    rows.map((r) => r.id),
  ]);
  const results: (RunRow | null)[] = ts.map(() => null);
  for (const { batchOrd, ...run } of updated) results[batchOrd] = run;
  return results;
}

/** The multi-run statement's parameter holding its run ids (its 4th, after target, sources and rows). */
const BATCH_IDS = "$4::uuid[]";

/** The multi-run statement of each shape seen. */
const batchSqls = new Map<string, string>();

/** Transitions with the same shape have the same SQL text, and can share one statement (`transitionRuns`). */
export function transitionShape(t: Transition): string {
  const flag = (on: boolean) => (on ? "1" : "0");
  return (
    `${t.to}:${t.from?.join(",") ?? ""}:` +
    flag(t.start === true) +
    flag(t.due === true) +
    flag(t.outputPayload !== undefined) +
    flag(t.waitingFor !== undefined) +
    flag(t.runAt !== undefined) +
    flag(isLeased(t)) +
    flag(t.crashRecovery === true) +
    flag(t.error !== undefined) +
    flag(t.leaseExpired === true) +
    flag(t.attempt !== undefined) +
    flag(hasSteps(t)) +
    flag(t.dedupeSteps === true) +
    flag(t.callerDriven === true)
  );
}

/** A transition's values, by the column a multi-run statement reads them from. */
const ROW_TYPES = {
  ord: "int",
  id: "uuid",
  actor: "text",
  action: "text",
  metadata: "jsonb",
  output: "jsonb",
  waiting_for: "jsonb",
  run_at: "timestamptz",
  lease_owner: "text",
  lease_seconds: "int",
  error: "text",
  attempt: "int",
  steps: "jsonb",
} as const;
type Row = Record<keyof typeof ROW_TYPES, unknown> & { id: string };
type ValueOf = (col: keyof typeof ROW_TYPES, type: string) => string;

function rowOf(t: Transition, ord: number): Row {
  return {
    ord,
    id: t.runId,
    actor: t.actor,
    action: t.action,
    metadata: t.metadata ?? {},
    output: t.outputPayload,
    waiting_for: t.waitingFor,
    run_at: t.runAt?.toISOString(),
    lease_owner: t.lease?.owner,
    lease_seconds: t.lease?.seconds,
    error: t.error,
    attempt: t.attempt,
    steps: hasSteps(t) ? toStepRows(t.steps ?? []) : undefined,
  };
}

function allowedSources(t: Transition): RunStatus[] {
  return sourcesOf(t.to).filter((s) => t.from === undefined || t.from.includes(s));
}

function hasSteps(t: Transition): boolean {
  return t.steps !== undefined && t.steps.length > 0;
}

function isLeased(t: Transition): boolean {
  return t.lease !== undefined && t.to === "running";
}

/**
 * The statement of one transition shape. $1: target status, $2: allowed source statuses; every other value is
 * `value(col)`: a parameter of its own (one run) or a column of the rows in `from` (several).
 */
function transitionSql(
  t: Transition,
  value: ValueOf,
  rows: {
    from: string;
    idGuard: string;
    returning?: string;
    select?: string;
    /**
     * Several runs: the status guard is written so that no status index can serve it. Runs are found by id alone;
     * a plan scanning every pending run of a backlog the statistics have not seen yet costs that backlog's size.
     */
    several?: boolean;
  },
): string {
  const terminal = t.to === "succeeded" || t.to === "failed" || t.to === "cancelled";
  const sets = [`status = $1`, `updated_at = clock_timestamp()`];
  if (t.start === true) sets.push(`started_at = clock_timestamp()`, `attempt = r.attempt + 1`);
  if (terminal) sets.push(`completed_at = clock_timestamp()`);
  if (t.outputPayload !== undefined) sets.push(`output_payload = ${value("output", "jsonb")}`);
  if (t.waitingFor !== undefined) sets.push(`waiting_for = ${value("waiting_for", "jsonb")}`);
  if (t.runAt !== undefined) sets.push(`run_at = ${value("run_at", "timestamptz")}`);
  if (isLeased(t)) {
    sets.push(
      `lease_owner = ${value("lease_owner", "text")}`,
      `lease_expires_at = clock_timestamp() + make_interval(secs => ${value("lease_seconds", "int")})`,
    );
  } else {
    // Every other change ends the holder's lease: only a running run has one.
    sets.push(`lease_owner = NULL`, `lease_expires_at = NULL`);
  }
  if (t.crashRecovery === true) sets.push(`crash_recoveries = r.crash_recoveries + 1`);
  if (t.error !== undefined) sets.push(`error = ${value("error", "text")}`);
  let guard = `${rows.idGuard} AND ${rows.several === true ? "(r.status = ANY($2::text[])) IS TRUE" : "r.status = ANY($2::text[])"}`;
  if (t.due === true) guard += ` AND (r.run_at IS NULL OR r.run_at <= clock_timestamp())`;
  if (t.leaseExpired === true) guard += ` AND r.lease_expires_at < clock_timestamp()`;
  if (t.callerDriven === true) guard += ` AND NOT r.execute`;
  const attempt = t.attempt === undefined ? "" : value("attempt", "int");
  if (t.attempt !== undefined) guard += ` AND r.attempt = ${attempt}`;
  const actor = value("actor", "text");
  const action = value("action", "text");
  const metadata = value("metadata", "jsonb");
  let steps = "";
  if (hasSteps(t)) {
    if (t.attempt === undefined) throw new Error("transitionRun: steps are written fenced on an attempt");
    const several = rows.from !== "";
    // Every part of one statement sees the same snapshot: the fence reads the attempt as it was before the update.
    steps = `, steps AS (${STEP_ROWS_SQL(
      several ? "i.id" : "$3::uuid",
      attempt,
      value("steps", "jsonb"),
      t.dedupeSteps === true,
      several ? { from: "i", order: "i.ord", ids: BATCH_IDS } : undefined,
    )})`;
  }
  return `WITH ${rows.from === "" ? "" : `i AS (SELECT * ${rows.from}), `}upd AS (
       UPDATE runs r SET ${sets.join(", ")} ${rows.from === "" ? "" : "FROM i "}WHERE ${guard}
       RETURNING r.*, ${actor} AS audit_actor, ${action} AS audit_action, ${metadata} AS audit_metadata${rows.returning ?? ""}
     ), audit AS (
       INSERT INTO run_audit_entries (run_id, actor, action, at, metadata)
       SELECT id, audit_actor, audit_action, updated_at, audit_metadata FROM upd
     )${steps}
     SELECT ${RUN_COLUMNS}${rows.select ?? ""} FROM upd r`;
}
