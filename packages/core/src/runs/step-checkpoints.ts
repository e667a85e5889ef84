import type { Db } from "../db";

/**
 * Outputs of the nodes that succeeded in earlier attempts of a run (the newest per node): a resumed run reuses
 * them instead of executing those nodes again.
 */
export async function listCheckpoints(db: Db, runId: string, beforeAttempt: number): Promise<Map<string, unknown>> {
  const rows = await db.$queryRawUnsafe<{ nodeId: string; output: unknown }[]>(
    `SELECT DISTINCT ON (node_id) node_id AS "nodeId", output
     FROM run_steps WHERE run_id = $1::uuid AND status = 'succeeded' AND attempt < $2
     ORDER BY node_id, id DESC`,
    runId,
    beforeAttempt,
  );
  return new Map(rows.map((r) => [r.nodeId, r.output ?? null]));
}
