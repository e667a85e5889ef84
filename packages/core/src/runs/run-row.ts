import type { RunStatus } from "./run-status";
import type { RunResponse } from "./run-response";
import { iso } from "../timestamp";

/** A run as read from Postgres (camelCase aliases of the `runs` columns). */
export type RunRow = {
  id: string;
  workflowId: string;
  workflowVersionId: string;
  status: RunStatus;
  triggeredBy: string;
  inputPayload: unknown;
  runnableConfig: unknown;
  outputPayload: unknown;
  error: string | null;
  attempt: number;
  execute: boolean;
  idempotencyKey: string | null;
  cronOccurrence: Date | null;
  retryOf: string | null;
  /** A pending run does not start before this instant (null: as soon as a worker takes it). */
  runAt: Date | null;
  /** A waiting run's parked nodes and what each waits for. */
  waitingFor: unknown;
  /** Why a pending run waits ("concurrency": no slot yet, "rate_limit": no start left in its window); or null. */
  blockedBy: "concurrency" | "rate_limit" | null;
  /** The routing queue its jobs go to and their priority (1 first), fixed at its creation. */
  queue: string;
  priority: number;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  /** Child runs: the run whose node created this one (null at the top), its top-level ancestor, its nesting level. */
  parentRunId: string | null;
  rootRunId: string | null;
  depth: number;
  /** The node's group (run_child_groups) this child belongs to, when a workflow or map node created it. */
  childGroupId: string | null;
};

export type AuditEntry = { runId: string; actor: string; action: string; at: Date; metadata: unknown };

/** SELECT list producing a RunRow from table alias `r`. */
export const RUN_COLUMNS = `r.id::text AS "id", r.workflow_id::text AS "workflowId",
  r.workflow_version_id::text AS "workflowVersionId", r.status, r.triggered_by AS "triggeredBy",
  r.input_payload AS "inputPayload", r.runnable_config AS "runnableConfig", r.output_payload AS "outputPayload",
  r.error, r.attempt, r.execute, r.idempotency_key AS "idempotencyKey", r.cron_occurrence AS "cronOccurrence",
  r.retry_of::text AS "retryOf", r.run_at AS "runAt", r.waiting_for AS "waitingFor",
  r.blocked_by AS "blockedBy", r.queue, r.priority, r.created_at AS "createdAt", r.updated_at AS "updatedAt",
  r.started_at AS "startedAt", r.completed_at AS "completedAt",
  r.parent_run_id::text AS "parentRunId", r.root_run_id::text AS "rootRunId", r.depth,
  r.child_group_id::text AS "childGroupId"`;

/** The API's run JSON (api.md, Runs). */
export function toRunJson(run: RunRow, audit: readonly AuditEntry[]): RunResponse {
  return {
    id: run.id,
    workflow_id: run.workflowId,
    workflow_version_id: run.workflowVersionId,
    status: run.status,
    triggered_by: run.triggeredBy,
    input_payload: run.inputPayload ?? {},
    runnable_config: run.runnableConfig ?? null,
    output_payload: outputPayloadOf(run),
    error: run.error,
    attempt: run.attempt,
    retry_of: run.retryOf,
    run_at: iso(run.runAt),
    blocked_by: run.status === "pending" || run.status === "waiting" ? run.blockedBy : null,
    queue: run.queue,
    priority: run.priority,
    created_at: iso(run.createdAt),
    updated_at: iso(run.updatedAt),
    started_at: iso(run.startedAt),
    completed_at: iso(run.completedAt),
    parent_run_id: run.parentRunId,
    root_run_id: run.rootRunId ?? run.id,
    audit_log: audit.map((a) => ({ actor: a.actor, action: a.action, at: iso(a.at), metadata: a.metadata ?? {} })),
  };
}
export type RunJson = ReturnType<typeof toRunJson>;

/**
 * The output as the API answers it. A worker's success output is stored as `{final_state: {steps}}`: the run's
 * input is stored once, in input_payload, and put back here as `final_state.input` (first, as jsonb orders the
 * keys), so the answer is what older releases stored twice. A row stored the old way (with its input) is left
 * as it is. Only runs the workers execute: a caller-driven run's output is whatever its caller sent, and since
 * the API cannot succeed a worker-executed run, the workers alone write such an output.
 */
export function outputPayloadOf(run: Pick<RunRow, "execute" | "inputPayload" | "outputPayload">): unknown {
  const output = run.outputPayload ?? null;
  if (!run.execute || !isObject(output)) return output;
  const finalState = output.final_state;
  if (!isObject(finalState) || Object.hasOwn(finalState, "input")) return output;
  return { ...output, final_state: { input: run.inputPayload ?? {}, ...finalState } };
}

/**
 * A succeeded run's result from its output (as `outputPayloadOf` answers it): `result` when its graph has an
 * `output`, whatever that evaluated to (null included), else its final_state (docs/composition.md).
 */
export function resultOf(output: unknown): unknown {
  if (!isObject(output)) return undefined;
  return Object.hasOwn(output, "result") ? output.result : output.final_state;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The run's input as the API answers it (`{}` for none). */
const INPUT_SQL = `CASE WHEN p.input_payload IS NULL OR p.input_payload = 'null' THEN '{}'::jsonb ELSE p.input_payload END`;

/** A timestamptz as `Date.toISOString` writes it (UTC, milliseconds): the stored precision. */
const isoSql = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * `toRunJson` as a SQL expression over the run alias `p` (with its audit entries): Postgres writes a page of runs as
 * the response's text, and the api sends it without parsing a row or a timestamp. The keys, their order and every
 * value are those of `toRunJson` (`outputPayloadOf` included); run-json-sql.test.ts compares the two.
 */
export const RUN_JSON_SQL = `json_build_object(
  'id', p.id, 'workflow_id', p.workflow_id, 'workflow_version_id', p.workflow_version_id, 'status', p.status,
  'triggered_by', p.triggered_by,
  'input_payload', ${INPUT_SQL},
  'runnable_config', p.runnable_config,
  'output_payload', CASE WHEN p.execute AND jsonb_typeof(p.output_payload->'final_state') = 'object'
                          AND NOT jsonb_exists(p.output_payload->'final_state', 'input')
                     THEN jsonb_set(p.output_payload, '{final_state,input}', ${INPUT_SQL})
                     ELSE p.output_payload END,
  'error', p.error, 'attempt', p.attempt,
  'retry_of', p.retry_of, 'run_at', ${isoSql("p.run_at")},
  'blocked_by', CASE WHEN p.status IN ('pending', 'waiting') THEN p.blocked_by END, 'queue', p.queue, 'priority', p.priority,
  'created_at', ${isoSql("p.created_at")},
  'updated_at', ${isoSql("p.updated_at")}, 'started_at', ${isoSql("p.started_at")},
  'completed_at', ${isoSql("p.completed_at")},
  'parent_run_id', p.parent_run_id, 'root_run_id', coalesce(p.root_run_id, p.id),
  'audit_log', (SELECT coalesce(json_agg(json_build_object('actor', a.actor, 'action', a.action, 'at', ${isoSql("a.at")},
                  'metadata', CASE WHEN a.metadata IS NULL OR a.metadata = 'null' THEN '{}'::jsonb ELSE a.metadata END)
                  ORDER BY a.id), '[]'::json)
                FROM run_audit_entries a WHERE a.run_id = p.id))`;
