import { RUN_COLUMNS } from "./run-row";
import { createSqlParams } from "./sql-params";
import { stepRowsSql } from "./step-rows-sql";
import { hasSteps, isLeased, TRANSITION_COLUMNS, type Transition, type TransitionColumn } from "./transition";

/** A statement's text and its parameters' names in `$n` order: the values of a call are read by these names. */
export type TransitionSql = { text: string; params: readonly string[] };

/**
 * The one-run statement of `t`'s shape. Its parameters: `to`, `sources`, and one per column `t` sets (named as in
 * `TRANSITION_COLUMNS`; the run's `id` is one parameter wherever the statement refers to it).
 */
export function oneRunTransitionSql(t: Transition): TransitionSql {
  const params = createSqlParams();
  const text = transitionSql(t, {
    value: (col) => params.ref(col, TRANSITION_COLUMNS[col]),
    target: params.ref("to", "text"),
    sources: params.ref("sources", "text[]"),
    from: null,
    idGuard: `r.id = ${params.ref("id", "uuid")}`,
  });
  return { text, params: params.names };
}

/**
 * The multi-run statement of `t`'s shape: each run's values are a row of `rows` (a JSON array, `jsonb_to_recordset`),
 * and `ids` holds the same runs' ids as an array, so runs are found by an index condition whatever the planner guesses
 * of the rows' count. Its parameters: `to`, `sources`, `rows`, `ids`.
 */
export function batchTransitionSql(t: Transition): TransitionSql {
  const params = createSqlParams();
  const ids = params.ref("ids", "uuid[]");
  const columns = Object.entries(TRANSITION_COLUMNS)
    .map(([col, type]) => `${col} ${type}`)
    .join(", ");
  const text = transitionSql(t, {
    value: (col) => `i.${col}`,
    target: params.ref("to", "text"),
    sources: params.ref("sources", "text[]"),
    from: { rows: `jsonb_to_recordset(${params.ref("rows", "jsonb")}) AS i(${columns})`, ids },
    idGuard: `r.id = ANY(${ids}) AND r.id = i.id`,
  });
  return { text, params: params.names };
}

/** The run's workflow has flow limits: its starts go through the worker's limited start (`startLimitedRun`). */
export const LIMITED_WORKFLOW_SQL = `SELECT 1 FROM workflows w WHERE w.id = r.workflow_id
         AND (w.max_running IS NOT NULL OR w.max_running_per_key IS NOT NULL OR w.rate_limit IS NOT NULL)`;

type Parts = {
  /** How the statement reads one of a run's values. */
  value: (col: TransitionColumn) => string;
  target: string;
  sources: string;
  /** Several runs: the relation of their values, and the array of their ids. */
  from: { rows: string; ids: string } | null;
  idGuard: string;
};

/** The guarded UPDATE of a transition's shape, its audit entry and its steps, in one statement. */
function transitionSql(t: Transition, { value, target, sources, from, idGuard }: Parts): string {
  const terminal = t.to === "succeeded" || t.to === "failed" || t.to === "cancelled";
  const sets = [`status = ${target}`, `updated_at = clock_timestamp()`];
  if (t.start === true) sets.push(`started_at = clock_timestamp()`, `attempt = r.attempt + 1`);
  if (terminal) sets.push(`completed_at = clock_timestamp()`);
  if (t.outputPayload !== undefined) sets.push(`output_payload = ${value("output")}`);
  if (t.waitingFor !== undefined) sets.push(`waiting_for = ${value("waiting_for")}`);
  if (t.runAt !== undefined) sets.push(`run_at = ${value("run_at")}`);
  if (isLeased(t)) {
    sets.push(
      `lease_owner = ${value("lease_owner")}`,
      `lease_expires_at = clock_timestamp() + make_interval(secs => ${value("lease_seconds")})`,
    );
  } else {
    // Every other change ends the holder's lease: only a running run has one.
    sets.push(`lease_owner = NULL`, `lease_expires_at = NULL`);
  }
  if (t.crashRecovery === true) sets.push(`crash_recoveries = r.crash_recoveries + 1`);
  if (t.error !== undefined) sets.push(`error = ${value("error")}`);
  if (typeof t.slot === "object" && "resumeKey" in t.slot) {
    sets.push(`concurrency_key = ${value("slot_key")}`, `blocked_by = NULL`);
  } else if (typeof t.slot === "object") {
    sets.push(`concurrency_key = ${value("slot_key")}`, `rate_key = ${value("rate_key")}`, `blocked_by = NULL`);
  }
  // Several runs: the status guard is written so that no status index can serve it. Runs are found by id alone; a
  // plan scanning every pending run of a backlog the statistics have not seen yet costs that backlog's size.
  let guard = `${idGuard} AND ${from === null ? `r.status = ANY(${sources})` : `(r.status = ANY(${sources})) IS TRUE`}`;
  if (t.due === true) guard += ` AND (r.run_at IS NULL OR r.run_at <= clock_timestamp())`;
  if (t.leaseExpired === true) guard += ` AND r.lease_expires_at < clock_timestamp()`;
  if (t.callerDriven === true) guard += ` AND NOT r.execute`;
  if (t.attempt !== undefined) guard += ` AND r.attempt = ${value("attempt")}`;
  if (t.slot === "unlimited") guard += ` AND NOT EXISTS (${LIMITED_WORKFLOW_SQL})`;
  else if (t.slot !== undefined && "resumeKey" in t.slot) {
    guard += ` AND switchyard_resume_wait(r.workflow_id, ${value("slot_key")}) IS NULL`;
  } else if (t.slot !== undefined) {
    const keys = `${value("slot_key")}, ${value("rate_key")}`;
    const wait = `switchyard_start_wait(r.id, r.workflow_id, ${keys}, r.created_at, r.run_at) IS NULL`;
    // Several runs: the batch's locks are all taken first, in one order (an InitPlan, evaluated once before the
    // first run's wait), so two batches cannot deadlock. A later run's wait sees the earlier runs this statement
    // started (a VOLATILE function reads the changes of the statement calling it).
    const lockAll = `(SELECT switchyard_lock_slots(array_agg(l.id), array_agg(l.slot_key), array_agg(l.rate_key)) FROM i l)`;
    // Runs are not started in creation order within a statement: only a key's oldest run of the batch may start
    // (the others ask again alone, after its start).
    // Driven by the batch's rows (each older run read by its id), never by a scan of the older runs.
    const oldestOfKey = `NOT EXISTS (SELECT 1 FROM i o WHERE o.slot_key = i.slot_key AND o.id <> r.id
         AND (SELECT ro.workflow_id = r.workflow_id AND (ro.created_at, ro.id) < (r.created_at, r.id)
              FROM runs ro WHERE ro.id = o.id))`;
    guard +=
      from === null ? ` AND ${wait}` : ` AND ${oldestOfKey} AND CASE WHEN ${lockAll} THEN ${wait} ELSE false END`;
  }
  let steps = "";
  if (hasSteps(t)) {
    if (t.attempt === undefined) throw new Error("transitionRun: steps are written fenced on an attempt");
    // Every part of one statement sees the same snapshot: the fence reads the attempt as it was before the update.
    steps = `, steps AS (${stepRowsSql({
      runId: from === null ? value("id") : "i.id",
      attempt: value("attempt"),
      rows: value("steps"),
      dedupe: t.dedupeSteps === true,
      ...(from !== null && { batch: { from: "i", order: "i.ord", ids: from.ids } }),
    })})`;
  }
  return `WITH ${from === null ? "" : `i AS (SELECT * FROM ${from.rows}), `}upd AS (
       UPDATE runs r SET ${sets.join(", ")} ${from === null ? "" : "FROM i "}WHERE ${guard}
       RETURNING r.*, ${value("actor")} AS audit_actor, ${value("action")} AS audit_action, ${value("metadata")} AS audit_metadata${from === null ? "" : ", i.ord AS batch_ord"}
     ), audit AS (
       INSERT INTO run_audit_entries (run_id, actor, action, at, metadata)
       SELECT id, audit_actor, audit_action, updated_at, audit_metadata FROM upd
     )${steps}
     SELECT ${RUN_COLUMNS}${from === null ? "" : `, r.batch_ord AS "batchOrd"`} FROM upd r`;
}
