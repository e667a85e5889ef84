import { queryRows, type Db } from "../db";
import { NotFoundError } from "../errors";
import type { RunStepResponse } from "./run-response";
import { iso } from "../timestamp";

type StepRow = {
  nodeId: string;
  attempt: number;
  status: string;
  output: unknown;
  error: string | null;
  log: unknown;
  startedAt: Date;
  finishedAt: Date;
};

/**
 * Every stored step of a run, every attempt, in execution order: what the dashboard's run page shows (the execution
 * history keeps Orcheo's flatter shape). 404 "Workflow run not found" for an unknown run.
 */
export async function listRunSteps(db: Db, runId: string): Promise<RunStepResponse[]> {
  const rows = await queryRows<StepRow & { found: boolean }>(
    db,
    `SELECT true AS found, s.node_id AS "nodeId", s.attempt, s.status, s.output, s.error, s.log,
            s.started_at AS "startedAt", s.finished_at AS "finishedAt"
     FROM runs r LEFT JOIN run_steps s ON s.run_id = r.id WHERE r.id = $1::uuid ORDER BY s.id`,
    [runId],
    true,
  );
  if (rows.length === 0) throw new NotFoundError("Workflow run not found");
  return rows
    .filter((r) => r.nodeId !== null)
    .map((r) => ({
      node_id: r.nodeId,
      attempt: r.attempt,
      status: r.status,
      output: r.output ?? null,
      error: r.error,
      log: r.log ?? null,
      started_at: iso(r.startedAt),
      finished_at: iso(r.finishedAt),
    }));
}
