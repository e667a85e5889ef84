import type pg from "pg";
import { measureCpu } from "../lib/cpu-time";
import { completionOf, untilRunsFinished } from "../lib/bench-runs";
import { createBenchWorkflow, webhookPath } from "../lib/bench-workflow";
import { runClosedLoop, type HttpClient } from "../lib/http-load";
import { round } from "../lib/stats";
import type { CpuPids } from "./webhook-e2e";

export type KeyedConcurrencyResult = {
  scenario: "keyed-concurrency";
  requests: number;
  keys: number;
  completed_per_s: number;
  /** completed/s over the unlimited webhook-e2e figure of the same bench run. */
  ratio_to_unlimited: number;
  non_202: number;
  /** The most runs of one key found running at once by the sampler: 1 when the limit held. */
  max_running_per_key_seen: number;
  /** CPU time per run by process group (as webhook-e2e's), the sampler's queries included in postgres. */
  cpu_ms_per_run: Record<string, number>;
  /** Per run, from Postgres's statistics of the bench database: transactions committed, runs rows updated. */
  per_run: { commits: number; runs_updates: number };
};

type DbCounters = { commits: number; updates: number };

/** Postgres's cumulative counters, as flushed so far (a backend flushes them about once a second). */
async function readCounters(pool: pg.Pool): Promise<DbCounters> {
  const { rows } = await pool.query<DbCounters>(
    `SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database())::float8 AS commits,
            (SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'runs')::float8 AS updates`,
  );
  return rows[0]!;
}

/**
 * webhook-e2e's load on a workflow with `max_running_per_key` 1 over `keys` keys: every run takes the limited
 * start, most are refused a slot at first and started by the wake of the run before them.
 */
export async function runKeyedConcurrency(
  client: HttpClient,
  pool: pg.Pool,
  unlimitedCompletedPerS: number,
  pids: CpuPids,
  requests = 20_000,
  keys = 200,
  clients = 64,
): Promise<KeyedConcurrencyResult> {
  const workflowId = await createBenchWorkflow(client, "bench-keyed-concurrency");
  const limits = { key: "input.body.k", max_running_per_key: 1 };
  const put = await client.send("PUT", `/api/workflows/${workflowId}/concurrency`, limits);
  if (put.status !== 200) throw new Error(`concurrency answered ${put.status}: ${put.body}`);
  const path = webhookPath(workflowId);
  let maxSeen = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const { rows } = await pool.query<{ n: number }>(
        `SELECT coalesce(max(c), 0)::int AS n FROM (SELECT count(*) AS c FROM runs
           WHERE workflow_id = $1 AND status = 'running' GROUP BY concurrency_key) k`,
        [workflowId],
      );
      maxSeen = Math.max(maxSeen, rows[0]!.n);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const before = await readCounters(pool);
  const cpu = measureCpu(pids);
  const start = Date.now();
  const results = await runClosedLoop(requests, clients, (i) => client.send("POST", path, { n: i, k: i % keys }));
  const accepted = results.filter((r) => r.status === 202).length;
  try {
    await untilRunsFinished(pool, workflowId, accepted, "keyed-concurrency", 900_000);
  } finally {
    sampling = false;
    await sampler;
  }
  const cpuPerRun = cpu.stop(accepted);
  // The last backends' counters reach the statistics within about a second.
  await new Promise((r) => setTimeout(r, 1_500));
  const after = await readCounters(pool);
  const { completedPerS } = await completionOf(pool, workflowId, accepted, start, "keyed-concurrency");
  return {
    scenario: "keyed-concurrency",
    requests,
    keys,
    completed_per_s: round(completedPerS, 0),
    ratio_to_unlimited: round(completedPerS / unlimitedCompletedPerS, 3),
    non_202: requests - accepted,
    max_running_per_key_seen: maxSeen,
    cpu_ms_per_run: cpuPerRun,
    per_run: {
      commits: round((after.commits - before.commits) / accepted, 2),
      runs_updates: round((after.updates - before.updates) / accepted, 2),
    },
  };
}
