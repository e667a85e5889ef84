import type pg from "pg";
import { until } from "../lib/bench-env";
import { createBenchWorkflow, webhookPath } from "../lib/bench-workflow";
import type { HttpClient } from "../lib/http-load";
import { round } from "../lib/stats";

export type FanOutResult = {
  scenario: "fan-out";
  items: number;
  concurrency: number;
  /** From the parent's start to its end: creating, running and collecting every child. */
  parent_seconds: number;
  children_per_s: number;
  /** children_per_s over the same bench run's webhook-e2e completed/s (null when webhook-e2e did not run). */
  ratio_to_webhook_e2e: number | null;
};

/** One run mapping `items` items, each child one `set` node, at most `concurrency` live. */
export async function runFanOut(
  client: HttpClient,
  pool: pg.Pool,
  webhookCompletedPerS: number | null,
  items = 10_000,
  concurrency = 500,
): Promise<FanOutResult> {
  await createBenchWorkflow(client, "bench-fan-out-child");
  const parentId = await createBenchWorkflow(client, "bench-fan-out", {
    nodes: [
      {
        id: "m",
        type: "map",
        params: { items: `[0..${items - 1}]`, workflow: "bench-fan-out-child", concurrency },
      },
      { id: "n", type: "transform", params: { expression: "steps.m.succeeded" } },
    ],
    edges: [{ from: "m", to: "n" }],
    output: "steps.n",
  });
  const sent = await client.send("POST", webhookPath(parentId), {});
  if (sent.status !== 202) throw new Error(`fan-out webhook answered ${sent.status}: ${sent.body}`);
  const { id: runId } = JSON.parse(sent.body) as { id: string };
  await until(
    async () => {
      const { rows } = await pool.query<{ status: string }>(`SELECT status FROM runs WHERE id = $1`, [runId]);
      return ["succeeded", "failed", "cancelled"].includes(rows[0]?.status ?? "");
    },
    "fan-out parent to finish",
    600_000,
    100,
  );
  const { rows } = await pool.query<{ status: string; started: Date; completed: Date; result: unknown; error: string }>(
    `SELECT status, started_at AS started, completed_at AS completed, output_payload->'result' AS result, error
     FROM runs WHERE id = $1`,
    [runId],
  );
  const run = rows[0]!;
  if (run.status !== "succeeded" || run.result !== items) {
    throw new Error(`fan-out: parent ${run.status} (${run.error ?? ""}), result ${JSON.stringify(run.result)}`);
  }
  const seconds = (run.completed.getTime() - run.started.getTime()) / 1000;
  const perS = items / seconds;
  return {
    scenario: "fan-out",
    items,
    concurrency,
    parent_seconds: round(seconds, 2),
    children_per_s: round(perS, 0),
    ratio_to_webhook_e2e: webhookCompletedPerS === null ? null : round(perS / webhookCompletedPerS, 2),
  };
}
