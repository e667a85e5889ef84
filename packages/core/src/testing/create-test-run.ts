import type { Db } from "../db";
import { createRuns } from "../runs/create-runs";
import { isTerminal, type RunStatus } from "../runs/run-status";
import { createTestWorkflow } from "./run-fixtures";
import { eventually } from "./service-process";

/** A workflow, a version with `graph` and a pending executable run of it, written straight to Postgres. */
export async function createTestRun(
  db: Db,
  graph: unknown,
  extra: { input?: unknown; runnableConfig?: unknown } = {},
): Promise<{ runId: string; workflowId: string }> {
  const { workflowId, workflowVersionId } = await createTestWorkflow(db, { name: "worker test" }, graph);
  const [created] = await createRuns(db, [
    {
      workflowId,
      workflowVersionId,
      triggeredBy: "test",
      inputPayload: extra.input ?? {},
      runnableConfig: extra.runnableConfig,
      execute: true,
      actor: "test",
    },
  ]);
  return { runId: created!.run.id, workflowId };
}

/** Waits until the run reaches a terminal status and returns it with its steps (in history order). */
export async function waitForOutcome(db: Db, runId: string, timeoutMs = 20_000) {
  const run = await eventually(
    async () => {
      const row = await db.run.findUnique({ where: { id: runId } });
      return row !== null && isTerminal(row.status as RunStatus) ? row : undefined;
    },
    timeoutMs,
    `run ${runId} to finish`,
  );
  const steps = await db.runStep.findMany({ where: { runId }, orderBy: { id: "asc" } });
  const audit = await db.runAuditEntry.findMany({ where: { runId }, orderBy: { id: "asc" } });
  return { run, steps, audit };
}
