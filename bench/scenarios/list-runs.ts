import type pg from "pg";
import { encodeCursor } from "@switchyard/core/runs/run-cursor";
import { createBenchWorkflow } from "../lib/bench-workflow";
import type { HttpClient, HttpResult } from "../lib/http-load";
import { round, summarize } from "../lib/stats";

type Summary = ReturnType<typeof summarize>;

export type ListRunsResult = {
  scenario: "list-runs";
  runs_in_db: number;
  load_s: number;
  first_page_ms: Summary;
  deep_page_ms: Summary;
  get_run_ms: Summary;
};

/**
 * Bulk-loads `total` finished runs (one audit entry each) for one workflow with one INSERT ... SELECT each,
 * vacuums them, then times page 1, a page ~90% deep through a cursor, and single runs, `samples` sequential requests each.
 */
export async function runListRuns(
  client: HttpClient,
  pool: pg.Pool,
  total = 1_000_000,
  samples = 300,
): Promise<ListRunsResult> {
  const workflowId = await createBenchWorkflow(client, "bench-list-runs");
  const loadStart = Date.now();
  await pool.query(
    `INSERT INTO runs (id, workflow_id, workflow_version_id, status, triggered_by, input_payload, output_payload,
                       attempt, execute, created_at, updated_at, started_at, completed_at)
     SELECT gen_random_uuid(), w.workflow_id, w.id, 'succeeded', 'webhook', jsonb_build_object('body', jsonb_build_object('n', i)),
            jsonb_build_object('final_state', jsonb_build_object('steps', jsonb_build_object('out', i))), 1, true,
            t, t, t, t
     FROM (SELECT id, workflow_id FROM workflow_versions WHERE workflow_id = $1) w,
          generate_series(1, $2::int) i,
          LATERAL (SELECT now() - make_interval(secs => i / 100.0) AS t) ts`,
    [workflowId, total],
  );
  await pool.query(
    `INSERT INTO run_audit_entries (run_id, actor, action, at) SELECT id, 'webhook', 'run_created', created_at
     FROM runs WHERE workflow_id = $1`,
    [workflowId],
  );
  // Vacuumed as autovacuum would have left a table that grew over months: measured in the steady state, and not
  // while autovacuum's first pass over a million fresh rows competes with the requests for the two cores.
  await pool.query(`VACUUM ANALYZE runs`);
  await pool.query(`VACUUM ANALYZE run_audit_entries`);
  const loadS = round((Date.now() - loadStart) / 1000, 1);

  const { rows: deep } = await pool.query<{ id: string; created_at: Date }>(
    `SELECT id::text, created_at FROM runs WHERE workflow_id = $1 ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1`,
    [workflowId, Math.floor(total * 0.9)],
  );
  const cursor = encodeCursor({ id: deep[0]!.id, createdAt: deep[0]!.created_at });
  const { rows: sample } = await pool.query<{ id: string }>(
    `SELECT id::text FROM runs WHERE workflow_id = $1 ORDER BY random() LIMIT $2`,
    [workflowId, samples],
  );

  const time = async (path: (i: number) => string): Promise<Summary> => {
    const results: HttpResult[] = [];
    for (let i = 0; i < samples + 20; i++) {
      const r = await client.send("GET", path(i % samples));
      if (r.status !== 200) throw new Error(`GET ${path(i)} answered ${r.status}: ${r.body.slice(0, 200)}`);
      if (i >= 20) results.push(r);
    }
    return summarize(results.map((r) => r.ms));
  };
  return {
    scenario: "list-runs",
    runs_in_db: total,
    load_s: loadS,
    first_page_ms: await time(() => `/api/workflows/${workflowId}/runs?limit=50`),
    deep_page_ms: await time(() => `/api/workflows/${workflowId}/runs?limit=50&cursor=${cursor}`),
    get_run_ms: await time((i) => `/api/runs/${sample[i]!.id}`),
  };
}
