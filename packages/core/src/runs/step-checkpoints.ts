import { queryRows, type Db } from "../db";

/**
 * Outputs of the nodes that succeeded in earlier attempts of a run (the newest per node): a resumed run reuses
 * them instead of executing those nodes again. Prepared: every resume asks it, and planning it cost three times
 * running it.
 */
export async function listCheckpoints(db: Db, runId: string, beforeAttempt: number): Promise<Map<string, unknown>> {
  const rows = await queryRows<{ nodeId: string; output: unknown }>(
    db,
    `SELECT DISTINCT ON (node_id) node_id AS "nodeId", output
     FROM run_steps WHERE run_id = $1::uuid AND status = 'succeeded' AND attempt < $2::int
     ORDER BY node_id, id DESC`,
    [runId, beforeAttempt],
    true,
  );
  return new Map(rows.map((r) => [r.nodeId, r.output ?? null]));
}
