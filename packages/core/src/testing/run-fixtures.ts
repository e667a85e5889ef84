import type { Db } from "../db";
import type { StepRecord } from "../engine/execute-graph";
import { createRuns } from "../runs/create-runs";
import { type Transition } from "../runs/transition";

/** A workflow with one version (of `graph`, empty by default), written straight to Postgres. */
export async function createTestWorkflow(
  db: Db,
  data: { name: string; handle?: string },
  graph: unknown = { nodes: [], edges: [] },
): Promise<{ workflowId: string; workflowVersionId: string }> {
  const workflow = await db.workflow.create({ data });
  const version = await db.workflowVersion.create({
    data: { workflowId: workflow.id, version: 1, graph: graph as object },
  });
  return { workflowId: workflow.id, workflowVersionId: version.id };
}

/** `n` pending executable runs of the workflow; their ids in creation order. */
export async function createPendingRuns(
  db: Db,
  workflow: { workflowId: string; workflowVersionId: string },
  n: number,
): Promise<string[]> {
  const created = await createRuns(
    db,
    Array.from({ length: n }, (_, i) => ({
      ...workflow,
      triggeredBy: "manual",
      execute: true,
      actor: "test",
      inputPayload: { i },
    })),
  );
  return created.map((c) => c.run.id);
}

/** A worker's start of a pending run, as the worker writes it. */
export const startTransition = (runId: string): Transition => ({
  runId,
  to: "running",
  from: ["pending"],
  actor: "worker",
  action: "run_started",
  start: true,
  due: true,
  lease: { owner: "worker-a", seconds: 30 },
});

/** A worker's success of a run at its first attempt, with one step. */
export const succeedTransition = (runId: string, output: unknown): Transition => ({
  runId,
  to: "succeeded",
  from: ["running"],
  attempt: 1,
  actor: "worker",
  action: "run_succeeded",
  outputPayload: output,
  steps: [
    {
      nodeId: "only",
      status: "succeeded",
      output,
      error: null,
      log: null,
      startedAt: new Date(),
      finishedAt: new Date(),
      sideEffects: false,
    } as unknown as StepRecord,
  ],
});
