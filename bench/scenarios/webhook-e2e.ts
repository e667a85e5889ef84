import type pg from "pg";
import { completionOf, untilRunsFinished } from "../lib/bench-runs";
import { createBenchWorkflow, webhookPath } from "../lib/bench-workflow";
import { runClosedLoop, type HttpClient } from "../lib/http-load";
import { round } from "../lib/stats";
import { measureCpu } from "../lib/cpu-time";

export type WebhookE2eResult = {
  scenario: "webhook-e2e";
  requests: number;
  clients: number;
  accepted_per_s: number;
  completed_per_s: number;
  ratio_to_raw: number;
  non_202: number;
  /** Requests that got no answer at all (a reset or refused connection), included in non_202. */
  connection_errors: number;
  /**
   * CPU ms per accepted run of each process, from the first request until the last run succeeded: the steadier
   * figure on a shared machine, and where the time goes (2 cores give 2,000 ms per second in all).
   */
  cpu_ms_per_run: Record<string, number>;
  /**
   * Runs per statement that created, started and finished them (runs ÷ distinct transaction ids of their audit
   * entries): how much the api's and the worker's coalescing saved.
   */
  runs_per_statement: Record<string, number>;
};

/** The processes whose CPU time webhook-e2e reads. */
export type CpuPids = () => Record<string, number[]>;

/** `requests` webhook POSTs from `clients` keep-alive loops; done when the last run succeeded. */
export async function runWebhookE2e(
  client: HttpClient,
  pool: pg.Pool,
  rawProcessedPerS: number,
  pids: CpuPids,
  requests = 20_000,
  clients = 64,
  workflowName = "bench-webhook-e2e",
): Promise<WebhookE2eResult> {
  const workflowId = await createBenchWorkflow(client, workflowName);
  const path = webhookPath(workflowId);
  const cpu = measureCpu(pids);
  const start = Date.now();
  const results = await runClosedLoop(requests, clients, (i) => client.send("POST", path, { n: i }));
  const acceptedMs = Date.now() - start;
  const accepted = results.filter((r) => r.status === 202).length;
  await untilRunsFinished(pool, workflowId, accepted, "webhook-e2e");
  const cpuPerRun = cpu.stop(accepted);
  const { completedPerS } = await completionOf(pool, workflowId, accepted, start, "webhook-e2e");
  const { rows: batches } = await pool.query<{ action: string; runs: number; statements: number }>(
    `SELECT a.action, count(*)::int AS runs, count(DISTINCT a.xmin::text)::int AS statements
     FROM run_audit_entries a JOIN runs r ON r.id = a.run_id
     WHERE r.workflow_id = $1 AND a.action IN ('run_created', 'run_started', 'run_succeeded')
     GROUP BY a.action`,
    [workflowId],
  );
  const perStatement = (action: string) => {
    const b = batches.find((x) => x.action === action);
    return b === undefined || b.statements === 0 ? 0 : round(b.runs / b.statements, 1);
  };
  return {
    scenario: "webhook-e2e",
    requests,
    clients,
    accepted_per_s: round((accepted / acceptedMs) * 1000, 0),
    completed_per_s: round(completedPerS, 0),
    ratio_to_raw: round(completedPerS / rawProcessedPerS, 3),
    non_202: requests - accepted,
    connection_errors: results.filter((r) => r.status === 0).length,
    cpu_ms_per_run: cpuPerRun,
    runs_per_statement: {
      created: perStatement("run_created"),
      started: perStatement("run_started"),
      finished: perStatement("run_succeeded"),
    },
  };
}
