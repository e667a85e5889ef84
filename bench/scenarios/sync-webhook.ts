import type pg from "pg";
import { Pool } from "undici";
import { readFileSync } from "node:fs";
import { until } from "../lib/bench-env";
import { createBenchWorkflow, webhookPath } from "../lib/bench-workflow";
import { runOpenLoop, type HttpClient } from "../lib/http-load";
import { round, summarize } from "../lib/stats";

type Summary = ReturnType<typeof summarize>;

export type SyncWebhookResult = {
  scenario: "sync-webhook";
  rate_per_s: number;
  seconds: number;
  requests: number;
  non_200: number;
  /** Deliveries in `wait` mode on a one-node workflow: each answered with its run's result. */
  request_ms: Summary;
  waiting_deliveries: number;
  /** Waiting deliveries that got no answer (a reset, a refused connection). */
  waiting_errors: number;
  /** The api's RSS with that many deliveries waiting at once, minus its RSS before they came. */
  api_rss_added_mb: number | null;
};

const PARKED_GRAPH = {
  nodes: [
    { id: "pause", type: "delay", params: { seconds: 15 } },
    { id: "out", type: "set", params: { value: 1 } },
  ],
  edges: [{ from: "pause", to: "out" }],
};

function rssMb(pid: number): number | null {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m === null ? null : round(Number(m[1]) / 1024, 1);
}

/**
 * Webhook deliveries in `wait` mode at `rate` per second on the one-node workflow (each answered 200 with its
 * result), then `waiting` deliveries held at once by runs that park for 15 s: what they add to the api's RSS.
 */
export async function runSyncWebhook(
  client: HttpClient,
  db: pg.Pool,
  apiUrl: string,
  apiPid: number,
  rate = 200,
  seconds = 20,
  waiting = 5_000,
): Promise<SyncWebhookResult> {
  const workflowId = await createBenchWorkflow(client, "bench-sync");
  const config = await client.send("PUT", `${webhookPath(workflowId)}/config`, {
    response: { mode: "wait", timeout_ms: 10_000 },
  });
  if (config.status !== 200) throw new Error(`webhook config answered ${config.status}: ${config.body}`);
  const path = webhookPath(workflowId);
  const results = await runOpenLoop(rate, seconds, (i) => client.send("POST", path, { n: i }));

  const parked = await createBenchWorkflow(client, "bench-sync-parked", PARKED_GRAPH);
  const before = rssMb(apiPid);
  const pool = new Pool(apiUrl, { connections: waiting, pipelining: 1 });
  let answered = 0;
  let errors = 0;
  const all = Array.from({ length: waiting }, (_, i) =>
    pool
      .request({
        method: "POST",
        path: `${webhookPath(parked)}?wait=30000`,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ n: i }),
      })
      .then(
        async (res) => {
          await res.body.text();
          answered++;
        },
        () => {
          errors++;
        },
      ),
  );
  let during: number | null = null;
  let created = 0;
  try {
    // Every delivery has its run (they all wait now): measure, then let them end.
    await until(
      async () => {
        const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM runs WHERE workflow_id = $1`, [
          parked,
        ]);
        created = rows[0]!.n;
        return created >= waiting;
      },
      "the deliveries to wait",
      120_000,
      500,
    ).catch(() => undefined);
    // Measured once all of them wait, or (a machine too slow to take them all within the deadline) with as many
    // as made it: `waiting_deliveries` says how many.
    during = rssMb(apiPid);
    if (answered > 0) throw new Error(`${answered} deliveries were answered before their runs ended`);
    await Promise.all(all);
  } finally {
    await pool.destroy();
  }
  return {
    scenario: "sync-webhook",
    rate_per_s: rate,
    seconds,
    requests: results.length,
    non_200: results.filter((r) => r.status !== 200).length,
    request_ms: summarize(results.map((r) => r.ms)),
    waiting_deliveries: Math.min(created, waiting),
    waiting_errors: errors,
    api_rss_added_mb: before === null || during === null ? null : round(during - before, 1),
  };
}
