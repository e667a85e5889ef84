import { queryRows, withTransaction, type Queryable, type SqlTransaction } from "../../db";
import type { Deps } from "../../deps";
import { createRuns, type CreatedRun, type NewRun } from "../../runs/create-runs";
import { enqueueCreated } from "../../runs/dispatch-runs";
import { toRunJson, type RunJson } from "../../runs/run-row";
import { LIVE_STATUSES, statusInSql } from "../../runs/run-status";
import { isCronCatchup } from "./cron-config-store";
import { recordCronOccurrences, type CronOccurrenceRecord } from "./cron-occurrences";
import { planCronOccurrence, type CronPlan, type CronTriggerState } from "./plan-cron-occurrence";
import { formatScheduledFor } from "../../timestamp";

type TriggerRow = Omit<CronTriggerState, "catchup"> & { catchup: string };
type LockedRow = TriggerRow & { versionId: string };
type Planned = { trigger: LockedRow; plan: CronPlan };

const TRIGGER_COLUMNS = `c.workflow_id::text AS "workflowId", c.expression, c.timezone,
  c.allow_overlapping AS "allowOverlapping", c.start_at AS "startAt", c.end_at AS "endAt", c.catchup,
  c.last_dispatched_at AS "lastDispatchedAt", c.saved_at AS "savedAt"`;

/**
 * Fires every due cron occurrence: at most one run per workflow per call, exactly once whatever number of
 * dispatchers run at the same moment. Set-based throughout (a fixed number of statements for any number of
 * triggers):
 * 1. read every active trigger without locks and plan in memory, to find the candidates;
 * 2. in one transaction, lock the candidates (`FOR UPDATE SKIP LOCKED`: a trigger another dispatcher holds is
 *    its business), plan again from the locked rows, hold back the ones with an active cron run, insert the runs
 *    and move `last_dispatched_at` forward, and record every decision in `cron_occurrences`;
 * 3. after commit, enqueue (a failure is left to the reconciler).
 * The unique key on runs (workflow_id, cron_occurrence) stays the last line of defence.
 */
export async function dispatchCronRuns(
  deps: Pick<Deps, "db" | "queues" | "logger" | "config" | "changes"> & Partial<Pick<Deps, "metrics">>,
  now: Date,
): Promise<RunJson[]> {
  const graceMs = deps.config.CRON_MISFIRE_GRACE_SECONDS * 1000;
  const plan = (t: TriggerRow): CronPlan | null =>
    isCronCatchup(t.catchup) ? planCronOccurrence({ ...t, catchup: t.catchup }, now, graceMs) : null;

  // Archived and version-less workflows are left out here and below, so their occurrences stay unconsumed.
  const triggers = await queryTriggers<TriggerRow>(
    deps.db,
    `SELECT ${TRIGGER_COLUMNS} FROM cron_triggers c JOIN workflows w ON w.id = c.workflow_id
     WHERE NOT w.is_archived AND EXISTS (SELECT 1 FROM workflow_versions v WHERE v.workflow_id = c.workflow_id)
       AND (c.end_at IS NULL OR c.last_dispatched_at IS NULL OR c.last_dispatched_at < c.end_at)`,
  );
  const candidates = triggers.filter((t) => plan(t) !== null).map((t) => t.workflowId);
  if (candidates.length === 0) return [];

  const outcome = await withTransaction(deps.db, async (tx) => {
    const locked = await queryTriggers<LockedRow>(
      tx,
      `SELECT ${TRIGGER_COLUMNS}, v.id::text AS "versionId"
       FROM cron_triggers c
       JOIN workflows w ON w.id = c.workflow_id
       CROSS JOIN LATERAL (
         SELECT id FROM workflow_versions v WHERE v.workflow_id = c.workflow_id ORDER BY v.version DESC LIMIT 1
       ) v
       WHERE c.workflow_id IN (SELECT value::uuid FROM json_array_elements_text($1::json)) AND NOT w.is_archived
       FOR UPDATE OF c SKIP LOCKED`,
      JSON.stringify(candidates),
    );
    // Plan again: the rows may have moved on (another dispatcher committed, a config was saved) since step 1.
    const planned: Planned[] = [];
    for (const trigger of locked) {
      const p = plan(trigger);
      if (p !== null) planned.push({ trigger, plan: p });
    }
    const busy = await findBusyWorkflows(
      tx,
      planned.filter((p) => !p.trigger.allowOverlapping).map((p) => p.trigger.workflowId),
    );
    const held = planned.filter((p) => busy.has(p.trigger.workflowId));
    const going = planned.filter((p) => !busy.has(p.trigger.workflowId));
    going.sort(
      (a, b) =>
        a.plan.occurrence.getTime() - b.plan.occurrence.getTime() ||
        (a.trigger.workflowId < b.trigger.workflowId ? -1 : 1),
    );

    const created = await createRuns(tx, going.filter((p) => p.plan.kind === "fire").map(toNewRun));
    if (going.length > 0) {
      await tx.query(
        `UPDATE cron_triggers c SET last_dispatched_at = x.at
         FROM jsonb_to_recordset($1::jsonb) AS x(workflow_id uuid, at timestamptz)
         WHERE c.workflow_id = x.workflow_id`,
        [
          JSON.stringify(
            going.map((p) => ({ workflow_id: p.trigger.workflowId, at: p.plan.occurrence.toISOString() })),
          ),
        ],
      );
    }
    const occurrences = toOccurrenceRecords(created, going, held);
    await recordCronOccurrences(tx, occurrences);
    return { created, going, held, occurrences };
  });

  await enqueueCreated(deps, outcome.created);
  logOutcome(deps.logger, outcome);
  // The same decisions as the recorded rows, as counts.
  for (const { outcome: decided } of outcome.occurrences) deps.metrics?.cronOccurrences(decided, 1);
  return outcome.created.map((c) => toRunJson(c.run, c.audit));
}

/**
 * Trigger rows as one JSON text value: JSON.parse of one value is native and beats converting thousands of rows
 * one by one. Parameters go in as JSON text for the same reason.
 */
async function queryTriggers<T extends TriggerRow>(db: Queryable, sql: string, ...args: unknown[]): Promise<T[]> {
  const [result] = await queryRows<{ rows: string }>(
    db,
    `WITH t AS (${sql}) SELECT coalesce(json_agg(t), '[]')::text AS rows FROM t`,
    args,
  );
  const rows = JSON.parse(result?.rows ?? "[]") as (Omit<T, DateField> & Record<DateField, string | null>)[];
  return rows.map(
    (r) =>
      ({
        ...r,
        startAt: toDate(r.startAt),
        endAt: toDate(r.endAt),
        lastDispatchedAt: toDate(r.lastDispatchedAt),
        savedAt: new Date(r.savedAt!),
      }) as T,
  );
}
type DateField = "startAt" | "endAt" | "lastDispatchedAt" | "savedAt";
const toDate = (s: string | null) => (s === null ? null : new Date(s));

/**
 * Workflows with a cron run still live (pending, running or waiting: it holds back the next occurrence of a trigger
 * without allow_overlapping), read at every dispatch whoever finished the run.
 */
async function findBusyWorkflows(tx: SqlTransaction, workflowIds: string[]): Promise<Set<string>> {
  if (workflowIds.length === 0) return new Set();
  const rows = await queryRows<{ id: string }>(
    tx,
    `SELECT DISTINCT workflow_id::text AS id FROM runs
     WHERE workflow_id IN (SELECT value::uuid FROM json_array_elements_text($1::json))
       AND triggered_by = 'cron' AND ${statusInSql("status", LIVE_STATUSES)}`,
    [JSON.stringify(workflowIds)],
  );
  return new Set(rows.map((r) => r.id));
}

function toNewRun({ trigger, plan }: Planned): NewRun {
  return {
    workflowId: trigger.workflowId,
    workflowVersionId: trigger.versionId,
    triggeredBy: "cron",
    inputPayload: { scheduled_for: formatScheduledFor(plan.occurrence), timezone: trigger.timezone },
    execute: true,
    actor: "cron",
    cronOccurrence: plan.occurrence,
  };
}

/** What the dashboard shows per occurrence: the same decisions logOutcome logs, as rows. */
function toOccurrenceRecords(created: CreatedRun[], going: Planned[], held: Planned[]): CronOccurrenceRecord[] {
  const runs = new Map(created.map((c) => [c.run.workflowId, c.run.id]));
  const records: CronOccurrenceRecord[] = held.map(({ trigger, plan }) => ({
    workflowId: trigger.workflowId,
    scheduledFor: plan.occurrence,
    outcome: "skipped_overlap",
    runId: null,
    coversUntil: null,
  }));
  for (const { trigger, plan } of going) {
    const workflowId = trigger.workflowId;
    if (plan.kind === "skip") {
      records.push({ workflowId, scheduledFor: plan.occurrence, outcome: "missed", runId: null, coversUntil: null });
      continue;
    }
    if (plan.skippedFrom !== null) {
      records.push({
        workflowId,
        scheduledFor: plan.skippedFrom,
        outcome: "caught_up",
        runId: null,
        coversUntil: plan.occurrence,
      });
    }
    const runId = runs.get(workflowId) ?? null;
    records.push({
      workflowId,
      scheduledFor: plan.occurrence,
      outcome: runId === null ? "already_fired" : "fired",
      runId,
      coversUntil: null,
    });
  }
  return records;
}

function logOutcome(
  logger: Deps["logger"],
  { created, going, held }: { created: CreatedRun[]; going: Planned[]; held: Planned[] },
): void {
  // A burst fires thousands at once: skip building entries nobody will see.
  if (!logger.isInfoEnabled()) return;
  const runs = new Map(created.map((c) => [c.run.workflowId, c.run.id]));
  for (const { trigger, plan } of held) {
    logger.info("cron occurrence skipped", {
      workflowId: trigger.workflowId,
      reason: "overlap",
      scheduledFor: plan.occurrence.toISOString(),
    });
  }
  for (const { trigger, plan } of going) {
    const workflowId = trigger.workflowId;
    const scheduledFor = plan.occurrence.toISOString();
    if (plan.kind === "skip") {
      logger.info("cron occurrence skipped", { workflowId, reason: plan.reason, scheduledFor });
      continue;
    }
    if (plan.skippedFrom !== null) {
      logger.info("cron occurrence skipped", {
        workflowId,
        reason: "caught_up",
        from: plan.skippedFrom.toISOString(),
        until: scheduledFor,
      });
    }
    const runId = runs.get(workflowId);
    if (runId === undefined) {
      // The unique key refused it: this occurrence already has a run (a config re-saved over fired occurrences).
      logger.info("cron occurrence skipped", { workflowId, reason: "already_fired", scheduledFor });
    } else {
      logger.info("cron occurrence fired", { workflowId, runId, scheduledFor });
    }
  }
}
