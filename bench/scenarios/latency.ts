import type pg from "pg";
import { until } from "../lib/bench-env";
import { createBenchWorkflow, webhookPath } from "../lib/bench-workflow";
import { runOpenLoop, type HttpClient } from "../lib/http-load";
import { summarize } from "../lib/stats";

type Summary = ReturnType<typeof summarize>;

export type LatencyResult = {
  scenario: "latency";
  rate_per_s: number;
  seconds: number;
  requests: number;
  non_202: number;
  /** Requests that got no answer at all (a reset or refused connection), included in non_202. */
  connection_errors: number;
  request_ms: Summary;
  trigger_to_start_ms: Summary;
  trigger_to_finish_ms: Summary;
  /** How late the load generator sent its requests: high figures mean the latencies measure the bench too. */
  send_lag_ms: Summary;
};

/** An open-loop webhook load at a fixed rate; request latency from the client, run latencies from Postgres. */
export async function runLatency(
  client: HttpClient,
  pool: pg.Pool,
  rate = 200,
  seconds = 30,
  workflowName = "bench-latency",
): Promise<LatencyResult> {
  const workflowId = await createBenchWorkflow(client, workflowName);
  const path = webhookPath(workflowId);
  const results = await runOpenLoop(rate, seconds, (i) => client.send("POST", path, { n: i }));
  const accepted = results.filter((r) => r.status === 202).length;
  await until(
    async () => {
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM runs WHERE workflow_id = $1 AND completed_at IS NOT NULL`,
        [workflowId],
      );
      return rows[0]!.n >= accepted;
    },
    "latency runs to finish",
    300_000,
    250,
  );
  const { rows } = await pool.query<{ start_ms: number; finish_ms: number }>(
    `SELECT extract(epoch FROM started_at - created_at) * 1000 AS start_ms,
            extract(epoch FROM completed_at - created_at) * 1000 AS finish_ms
     FROM runs WHERE workflow_id = $1`,
    [workflowId],
  );
  return {
    scenario: "latency",
    rate_per_s: rate,
    seconds,
    requests: results.length,
    non_202: results.length - accepted,
    connection_errors: results.filter((r) => r.status === 0).length,
    request_ms: summarize(results.map((r) => r.ms)),
    trigger_to_start_ms: summarize(rows.map((r) => Number(r.start_ms))),
    trigger_to_finish_ms: summarize(rows.map((r) => Number(r.finish_ms))),
    send_lag_ms: summarize(results.map((r) => r.sendLagMs)),
  };
}
