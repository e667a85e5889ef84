import { randomUUID } from "node:crypto";
import { queryRows, type Queryable } from "../db";
import { RUN_COLUMNS, type AuditEntry, type RunRow } from "../runs/run-row";
import type { CreatedRun, NewRun } from "../runs/create-runs";

/** The debounced run: created by this delivery (`inserted`: enqueue it) or the pending one it joined. */
export type DebouncedRun = CreatedRun & { inserted: boolean };

/**
 * One delivery of a debounced webhook, in one statement: the pending run of (workflow, key) takes this delivery's
 * input and a run_at `seconds` from now, or, without one, a new pending run is created so. The partial unique
 * index of pending debounced runs decides, so concurrent deliveries of one key on any number of API processes make
 * one run; a run that already started is no longer pending, and the delivery starts a new one. The worker
 * postpones a job that comes before the pushed-back run_at.
 */
export async function debounceRun(db: Queryable, run: NewRun, key: string, seconds: number): Promise<DebouncedRun> {
  const [row] = await queryRows<RunRow & { inserted: boolean }>(
    db,
    `WITH up AS (
       INSERT INTO runs (id, workflow_id, workflow_version_id, status, triggered_by, input_payload, execute,
                         debounce_key, run_at, queue, priority, attempt, created_at, updated_at)
       SELECT $1::uuid, $2::uuid, $3::uuid, 'pending', $4, $5::jsonb, true, $6,
              clock_timestamp() + make_interval(secs => $7::int), w.queue, w.priority, 0, clock_timestamp(),
              clock_timestamp()
       FROM workflows w WHERE w.id = $2::uuid
       ON CONFLICT (workflow_id, debounce_key) WHERE status = 'pending' AND debounce_key IS NOT NULL
       DO UPDATE SET input_payload = EXCLUDED.input_payload, workflow_version_id = EXCLUDED.workflow_version_id,
                     run_at = EXCLUDED.run_at, updated_at = clock_timestamp()
       RETURNING *, (xmax = 0) AS inserted
     ), audit AS (
       INSERT INTO run_audit_entries (run_id, actor, action, at, metadata)
       SELECT id, $8, CASE WHEN inserted THEN 'run_created' ELSE 'run_debounced' END, updated_at,
              jsonb_build_object('debounce_key', $6::text)
       FROM up
     )
     SELECT ${RUN_COLUMNS}, r.inserted FROM up r`,
    [
      run.id ?? randomUUID(),
      run.workflowId,
      run.workflowVersionId,
      run.triggeredBy,
      JSON.stringify(run.inputPayload ?? {}),
      key,
      seconds,
      run.actor,
    ],
    true,
  );
  if (row === undefined) throw new Error("debounce upsert returned no row");
  const { inserted, ...created } = row;
  const audit: AuditEntry[] = [
    {
      runId: created.id,
      actor: run.actor,
      action: inserted ? "run_created" : "run_debounced",
      at: created.updatedAt,
      metadata: { debounce_key: key },
    },
  ];
  return { run: created, audit, inserted };
}
