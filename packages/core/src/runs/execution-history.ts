import type { Db } from "../db";
import { NotFoundError } from "../errors";
import { RUN_COLUMNS, type RunRow } from "./run-row";
import { assertNever } from "./run-status";
import type { ExecutionHistoryResponse } from "./run-response";
import { iso } from "../timestamp";

type StepRow = {
  runId: string;
  nodeId: string;
  status: string;
  output: unknown;
  error: string | null;
  log: unknown;
  finishedAt: Date;
};

function historyStatus(run: RunRow): "running" | "completed" | "error" | "cancelled" {
  switch (run.status) {
    case "pending":
    case "running":
    case "waiting":
      return "running";
    case "succeeded":
      return "completed";
    case "failed":
      return "error";
    case "cancelled":
      return "cancelled";
    default:
      return assertNever(run.status);
  }
}

function stepPayload(step: StepRow): Record<string, unknown> {
  if (step.status === "skipped") return { [step.nodeId]: { skipped: true } };
  if (step.status === "failed") return { [step.nodeId]: { error: step.error } };
  const payload: Record<string, unknown> = { [step.nodeId]: step.output };
  if (step.log !== null && step.log !== undefined) payload.log = step.log;
  return payload;
}

/** Orcheo's execution history: the steps in order, closed by the run's outcome. */
function toHistory(run: RunRow, steps: StepRow[]): ExecutionHistoryResponse {
  const entries: { index: number; at: string | null; payload: Record<string, unknown> }[] = steps.map((s, i) => ({
    index: i,
    at: iso(s.finishedAt),
    payload: stepPayload(s),
  }));
  const status = historyStatus(run);
  if (status !== "running") {
    const payload: Record<string, unknown> = { status };
    if (run.error !== null) payload.error = run.error;
    entries.push({ index: entries.length, at: iso(run.completedAt), payload });
  }
  return {
    execution_id: run.id,
    workflow_id: run.workflowId,
    status,
    started_at: iso(run.startedAt),
    completed_at: iso(run.completedAt),
    error: run.error,
    inputs: run.inputPayload ?? {},
    steps: entries,
  };
}

async function listSteps(db: Db, runIds: string[]): Promise<Map<string, StepRow[]>> {
  const byRun = new Map<string, StepRow[]>(runIds.map((id) => [id, []]));
  if (runIds.length === 0) return byRun;
  const rows = await db.$queryRawUnsafe<StepRow[]>(
    `SELECT run_id::text AS "runId", node_id AS "nodeId", status, output, error, log, finished_at AS "finishedAt"
     FROM run_steps WHERE run_id = ANY($1::uuid[]) ORDER BY run_id, id`,
    runIds,
  );
  for (const row of rows) byRun.get(row.runId)?.push(row);
  return byRun;
}

/** A run has a history once execution began (a worker or caller started it). */
export async function getExecutionHistory(db: Db, runId: string) {
  const rows = await db.$queryRawUnsafe<RunRow[]>(
    `SELECT ${RUN_COLUMNS} FROM runs r WHERE r.id = $1::uuid AND r.started_at IS NOT NULL`,
    runId,
  );
  const run = rows[0];
  if (run === undefined) throw new NotFoundError("Execution history not found");
  const steps = await listSteps(db, [run.id]);
  return toHistory(run, steps.get(run.id) ?? []);
}

export async function listExecutionHistories(db: Db, workflowId: string, limit: number) {
  const runs = await db.$queryRawUnsafe<RunRow[]>(
    `SELECT ${RUN_COLUMNS} FROM runs r WHERE r.workflow_id = $1::uuid AND r.started_at IS NOT NULL
     ORDER BY r.created_at DESC, r.id DESC LIMIT $2`,
    workflowId,
    limit,
  );
  const steps = await listSteps(
    db,
    runs.map((r) => r.id),
  );
  return runs.map((r) => toHistory(r, steps.get(r.id) ?? []));
}
