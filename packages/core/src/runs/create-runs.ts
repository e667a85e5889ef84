import { randomUUID } from "node:crypto";
import { queryRows, type Queryable } from "../db";
import type { InboxRecord } from "../inbox/inbox-entry";
import { RUN_COLUMNS, type AuditEntry, type RunRow } from "./run-row";

export type NewRun = {
  /** Chosen by the caller (a batch matches its rows back by id); a random UUID when absent. */
  id?: string;
  workflowId: string;
  workflowVersionId: string;
  triggeredBy: string;
  inputPayload: unknown;
  runnableConfig?: unknown;
  /** false: the caller drives the run through the transitions; workers never see it. */
  execute: boolean;
  /** Who created it, for the `run_created` audit entry. */
  actor: string;
  /** The `run_created` entry's metadata; `{}` when absent. */
  auditMetadata?: Record<string, unknown>;
  idempotencyKey?: string | null;
  cronOccurrence?: Date | null;
  retryOf?: string | null;
  /** Not started before this instant. */
  runAt?: Date | null;
  /** Its priority (1 first); null or absent: its workflow's. Its queue is always its workflow's. */
  priority?: number | null;
  /**
   * The accepted webhook delivery that creates the run: its inbox row goes in the same statement (and commit) as the
   * run, `accepted` with the run's id, or with reason `duplicate` when a unique key refused the run.
   */
  inbox?: InboxRecord;
};

export type CreatedRun = { run: RunRow; audit: AuditEntry[] };

/**
 * Inserts runs and their `run_created` audit entries in one statement (one round trip, one transaction).
 * A run that collides with a unique key (idempotency key, cron occurrence) is not inserted and not returned:
 * the database decides exactly-once, never a read-then-write.
 */
export async function createRuns(db: Queryable, runs: readonly NewRun[]): Promise<CreatedRun[]> {
  if (runs.length === 0) return [];
  const input = runs.map((r) => ({
    id: r.id ?? randomUUID(),
    workflow_id: r.workflowId,
    workflow_version_id: r.workflowVersionId,
    triggered_by: r.triggeredBy,
    input_payload: r.inputPayload ?? {},
    runnable_config: r.runnableConfig ?? null,
    execute: r.execute,
    idempotency_key: r.idempotencyKey ?? null,
    cron_occurrence: r.cronOccurrence?.toISOString() ?? null,
    retry_of: r.retryOf ?? null,
    run_at: r.runAt?.toISOString() ?? null,
    priority: r.priority ?? null,
    actor: r.actor,
    audit_metadata: r.auditMetadata,
    inbox: r.inbox,
    ord: 0,
  }));
  input.forEach((r, i) => (r.ord = i));
  const rows = await queryRows<RunRow & { actor: string; ord: number }>(
    db,
    runs.some((r) => r.inbox !== undefined) ? CREATE_RUNS_WITH_INBOX_SQL : CREATE_RUNS_SQL,
    [JSON.stringify(input)],
    true,
  );
  return rows.map(({ actor, ord, ...run }) => ({
    run,
    audit: [
      { runId: run.id, actor, action: "run_created", at: run.createdAt, metadata: runs[ord]?.auditMetadata ?? {} },
    ],
  }));
}

const createRunsSql = (inbox: string) => `WITH input AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, workflow_id uuid, workflow_version_id uuid,
         triggered_by text, input_payload jsonb, runnable_config jsonb, execute boolean, idempotency_key text,
         cron_occurrence timestamptz, retry_of uuid, run_at timestamptz, priority int, actor text, audit_metadata jsonb, ord int${inbox === "" ? "" : ", inbox jsonb"})
     ), ins AS (
       INSERT INTO runs (id, workflow_id, workflow_version_id, status, triggered_by, input_payload, runnable_config,
                         execute, idempotency_key, cron_occurrence, retry_of, run_at, queue, priority, attempt,
                         created_at, updated_at)
       SELECT x.id, x.workflow_id, x.workflow_version_id, 'pending', x.triggered_by, x.input_payload,
              CASE WHEN jsonb_typeof(x.runnable_config) = 'null' THEN NULL ELSE x.runnable_config END,
              x.execute, x.idempotency_key, x.cron_occurrence, x.retry_of, x.run_at, coalesce(w.queue, 'default'),
              coalesce(x.priority, w.priority, 5), 0, clock_timestamp(), clock_timestamp()
       FROM input x LEFT JOIN workflows w ON w.id = x.workflow_id ORDER BY x.ord
       ON CONFLICT DO NOTHING
       RETURNING *
     ), audit AS (
       INSERT INTO run_audit_entries (run_id, actor, action, at, metadata)
       SELECT ins.id, input.actor, 'run_created', ins.created_at, coalesce(input.audit_metadata, '{}'::jsonb)
       FROM ins JOIN input USING (id)
     )${inbox}
     SELECT ${RUN_COLUMNS}, input.actor, input.ord FROM ins r JOIN input USING (id) ORDER BY input.ord`;

const CREATE_RUNS_SQL = createRunsSql("");

/** The same statement with the webhook inbox rows of the runs that have one: one statement per batch still. */
const CREATE_RUNS_WITH_INBOX_SQL = createRunsSql(`, inbox AS (
       INSERT INTO webhook_inbox (id, workflow_id, received_at, method, path, query, headers, body, body_size,
                                  body_truncated, source_ip, outcome, status, reason, run_id)
       SELECT e.id, input.workflow_id, e.received_at, e.method, e.path, e.query, e.headers, decode(e.body, 'base64'),
              e.body_size, e.body_truncated, e.source_ip, 'accepted', CASE WHEN ins.id IS NULL THEN 200 ELSE 202 END,
              CASE WHEN ins.id IS NULL THEN 'duplicate' END, ins.id
       FROM input LEFT JOIN ins USING (id)
         CROSS JOIN LATERAL jsonb_to_record(input.inbox) AS e(id uuid, received_at timestamptz, method text,
           path text, query jsonb, headers jsonb, body text, body_size int, body_truncated boolean, source_ip text)
       WHERE input.inbox IS NOT NULL
     )`);
