import type { Db } from "../../db";
import { createRuns } from "../../runs/create-runs";
import { transitionRun } from "../../runs/transition-run";
import type { RunStatus } from "../../runs/run-status";

export type RunSeed = {
  execute?: boolean;
  /** Moves the run out of pending through the real transitions. */
  status?: Extract<RunStatus, "pending" | "running" | "cancelled">;
  /** Backdates created_at: a run older than the reconciler's cutoff without waiting for the clock. */
  ageSeconds?: number;
};

/**
 * A workflow with one version and runs on it, created in Postgres only (no job in Redis): what the database holds
 * after an enqueue that failed.
 */
export async function seedRuns(db: Db, seeds: readonly RunSeed[]): Promise<string[]> {
  const workflow = await db.workflow.create({ data: { name: "reconciled" } });
  const version = await db.workflowVersion.create({
    data: {
      workflowId: workflow.id,
      version: 1,
      graph: { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] },
    },
  });
  const created = await createRuns(
    db,
    seeds.map((s) => ({
      workflowId: workflow.id,
      workflowVersionId: version.id,
      triggeredBy: "test",
      inputPayload: {},
      execute: s.execute ?? true,
      actor: "test",
    })),
  );
  const ids = created.map((c) => c.run.id);
  for (const [i, seed] of seeds.entries()) {
    const runId = ids[i]!;
    if (seed.status === "running") {
      await transitionRun(db, { runId, to: "running", actor: "test", action: "run_started", start: true });
    } else if (seed.status === "cancelled") {
      await transitionRun(db, { runId, to: "cancelled", actor: "test", action: "run_cancelled" });
    }
    if (seed.ageSeconds !== undefined) {
      await db.$executeRawUnsafe(
        `UPDATE runs SET created_at = clock_timestamp() - make_interval(secs => $2) WHERE id = $1::uuid`,
        runId,
        seed.ageSeconds,
      );
    }
  }
  return ids;
}

/** How many times BullMQ really added each job (a duplicate add by job id emits `duplicated`, not `added`). */
export async function countAddedEvents(
  redis: { xrange: (key: string, start: string, end: string) => Promise<[string, string[]][]> },
  prefix: string,
  queue: string,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const [, fields] of await redis.xrange(`${prefix}:${queue}:events`, "-", "+")) {
    const entry = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) entry.set(fields[i]!, fields[i + 1]!);
    if (entry.get("event") !== "added") continue;
    const jobId = entry.get("jobId");
    if (jobId !== undefined) counts.set(jobId, (counts.get(jobId) ?? 0) + 1);
  }
  return counts;
}
