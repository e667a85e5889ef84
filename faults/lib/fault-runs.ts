import type { Db } from "@switchyard/core/db";
import type { TestServer } from "@switchyard/core/engine/testing/start-test-server";
import { createRuns } from "@switchyard/core/runs/create-runs";
import { TERMINAL_STATUSES } from "@switchyard/core/runs/run-status";
import { eventually } from "@switchyard/core/testing/service-process";

/** One workflow with `graph` and `count` pending executable runs of it, written to Postgres only. */
export async function seedRuns(db: Db, graph: unknown, count: number): Promise<string[]> {
  const workflow = await db.workflow.create({ data: { name: "fault case" } });
  const version = await db.workflowVersion.create({
    data: { workflowId: workflow.id, version: 1, graph: graph as object },
  });
  const created = await createRuns(
    db,
    Array.from({ length: count }, () => ({
      workflowId: workflow.id,
      workflowVersionId: version.id,
      triggeredBy: "fault",
      inputPayload: {},
      execute: true,
      actor: "fault",
    })),
  );
  return created.map((c) => c.run.id);
}

/** How many of `runIds` are in a terminal status. */
export async function countTerminal(db: Db, runIds: readonly string[]): Promise<number> {
  return db.run.count({ where: { id: { in: [...runIds] }, status: { in: [...TERMINAL_STATUSES] } } });
}

/** Waits until every run is terminal; returns the time it took (ms). */
export async function waitAllTerminal(db: Db, runIds: readonly string[], timeoutMs: number): Promise<number> {
  const started = Date.now();
  await eventually(
    async () => ((await countTerminal(db, runIds)) === runIds.length ? true : undefined),
    timeoutMs,
    `${runIds.length} runs to finish`,
  );
  return Date.now() - started;
}

/** Runs whose side-effect endpoint `path` (called with `?run=<id>`) was called more than once. */
export function executedTwice(server: TestServer, path: string): number {
  const calls = new Map<string, number>();
  for (const r of server.requests)
    if (r.path === path) calls.set(r.query.run ?? "", (calls.get(r.query.run ?? "") ?? 0) + 1);
  return [...calls.values()].filter((n) => n > 1).length;
}

/** Runs that recorded a succeeded step of the same node twice (a node executed again after it succeeded). */
export async function nodesExecutedTwice(db: Db, runIds: readonly string[]): Promise<number> {
  const rows = await db.$queryRawUnsafe<{ n: bigint }[]>(
    `SELECT count(DISTINCT run_id) AS n FROM (
       SELECT run_id FROM run_steps WHERE run_id = ANY($1::uuid[]) AND status = 'succeeded'
       GROUP BY run_id, node_id HAVING count(*) > 1) d`,
    [...runIds],
  );
  return Number(rows[0]?.n ?? 0);
}
