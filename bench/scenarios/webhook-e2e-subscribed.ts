import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type pg from "pg";
import { until } from "../lib/bench-env";
import { measureCpu, type CpuGroups } from "../lib/cpu-time";
import { completionOf, untilRunsFinished } from "../lib/bench-runs";
import { createBenchWorkflow, webhookPath } from "../lib/bench-workflow";
import { runClosedLoop, type HttpClient } from "../lib/http-load";
import { round } from "../lib/stats";

export type WebhookE2eSubscribedResult = {
  scenario: "webhook-e2e-subscribed";
  requests: number;
  clients: number;
  completed_per_s: number;
  /**
   * completed/s ÷ the mean completed/s of two plain passes (no subscription) run just before and just after it in
   * this scenario: the same database, the same machine load, as near as can be.
   */
  ratio_to_webhook_e2e: number;
  /** The plain passes' completed/s (before, after). */
  plain_completed_per_s: [number, number];
  /** completed/s ÷ webhook-e2e's completed/s at the start of the bench run (an emptier database), for reference. */
  ratio_to_first_webhook_e2e: number | null;
  /** Distinct run.succeeded events the receiver got, and the accepted runs they must equal. */
  events_received: number;
  accepted: number;
  /** From the first request to the receiver's last new event. */
  delivered_per_s: number;
  /** From the last run's completion to the receiver's last new event. */
  delivery_tail_ms: number;
  /** CPU ms per run by process group, from the first request to the last delivery recorded (receiver included in load_generator). */
  cpu_ms_per_run: Record<string, number>;
  /** The plain passes' CPU ms per run by process group (their mean). */
  plain_cpu_ms_per_run: Record<string, number>;
  /** What a delivered event added by process group: cpu_ms_per_run less plain_cpu_ms_per_run. */
  cpu_ms_per_delivery: Record<string, number>;
};

/** A closed-loop webhook-e2e pass of `requests` POSTs to a new one-node workflow: its completed/s and CPU per run. */
async function plainPass(
  client: HttpClient,
  pool: pg.Pool,
  pids: () => CpuGroups,
  requests: number,
  clients: number,
  n: number,
) {
  const workflowId = await createBenchWorkflow(client, `bench-webhook-e2e-plain-${n}`);
  const path = webhookPath(workflowId);
  const cpu = measureCpu(pids);
  const start = Date.now();
  const results = await runClosedLoop(requests, clients, (i) => client.send("POST", path, { n: i }));
  const accepted = results.filter((r) => r.status === 202).length;
  await untilRunsFinished(pool, workflowId, accepted, "webhook-e2e-subscribed (plain pass)");
  const { completedPerS } = await completionOf(
    pool,
    workflowId,
    accepted,
    start,
    "webhook-e2e-subscribed (plain pass)",
  );
  return { completedPerS, cpuPerRun: cpu.stop(accepted) };
}

/**
 * webhook-e2e with an enabled subscription to its workflow's run.succeeded and a local receiver answering 204 at
 * once, between two plain passes: what the outbox trigger and the workers' senders cost the run pipeline, and that
 * every event arrives.
 */
export async function runWebhookE2eSubscribed(
  client: HttpClient,
  pool: pg.Pool,
  webhookE2eCompletedPerS: number | null,
  pids: () => CpuGroups,
  requests = 20_000,
  clients = 64,
): Promise<WebhookE2eSubscribedResult> {
  const before = await plainPass(client, pool, pids, requests, clients, 1);
  const ids = new Set<string>();
  let lastNewEventAt = 0;
  const receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const id = String(req.headers["webhook-id"]);
      if (!ids.has(id)) {
        ids.add(id);
        lastNewEventAt = Date.now();
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const port = (receiver.address() as AddressInfo).port;
  const workflowId = await createBenchWorkflow(client, "bench-webhook-e2e-subscribed");
  const created = await client.send("POST", "/api/subscriptions", {
    url: `http://127.0.0.1:${port}/events`,
    events: ["run.succeeded"],
    workflow: workflowId,
  });
  if (created.status !== 201) throw new Error(`create subscription answered ${created.status}: ${created.body}`);
  const { id: subscriptionId } = JSON.parse(created.body) as { id: string };
  let subscribed: Omit<
    WebhookE2eSubscribedResult,
    "ratio_to_webhook_e2e" | "plain_completed_per_s" | "plain_cpu_ms_per_run" | "cpu_ms_per_delivery"
  >;
  try {
    const path = webhookPath(workflowId);
    const cpu = measureCpu(pids);
    const start = Date.now();
    const results = await runClosedLoop(requests, clients, (i) => client.send("POST", path, { n: i }));
    const accepted = results.filter((r) => r.status === 202).length;
    await untilRunsFinished(pool, workflowId, accepted, "webhook-e2e-subscribed");
    const { completedPerS, lastCompletedAt } = await completionOf(
      pool,
      workflowId,
      accepted,
      start,
      "webhook-e2e-subscribed",
    );
    await until(async () => ids.size >= accepted, "every run.succeeded event delivered", 600_000, 250);
    const { rows: undelivered } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM event_deliveries WHERE subscription_id = $1 AND status <> 'delivered'`,
      [subscriptionId],
    );
    // The receiver saw every event; the senders record each outcome right after its answer.
    await until(
      async () =>
        (
          await pool.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM event_deliveries WHERE subscription_id = $1 AND status = 'delivered'`,
            [subscriptionId],
          )
        ).rows[0]!.n >= accepted,
      `deliveries recorded (${undelivered[0]!.n} not yet)`,
      60_000,
      250,
    );
    const cpuPerRun = cpu.stop(accepted);
    subscribed = {
      scenario: "webhook-e2e-subscribed",
      requests,
      clients,
      completed_per_s: round(completedPerS, 0),
      ratio_to_first_webhook_e2e:
        webhookE2eCompletedPerS === null ? null : round(completedPerS / webhookE2eCompletedPerS, 3),
      events_received: ids.size,
      accepted,
      delivered_per_s: round((ids.size / (lastNewEventAt - start)) * 1000, 0),
      delivery_tail_ms: Math.max(0, lastNewEventAt - lastCompletedAt),
      cpu_ms_per_run: cpuPerRun,
    };
  } finally {
    // Later scenarios run without it.
    await client.send("DELETE", `/api/subscriptions/${subscriptionId}`);
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }
  const after = await plainPass(client, pool, pids, requests, clients, 2);
  const plain = (before.completedPerS + after.completedPerS) / 2;
  const plainCpu: Record<string, number> = {};
  const perDelivery: Record<string, number> = {};
  for (const [group, ms] of Object.entries(subscribed.cpu_ms_per_run)) {
    const mean = ((before.cpuPerRun[group] ?? 0) + (after.cpuPerRun[group] ?? 0)) / 2;
    plainCpu[group] = round(mean, 2);
    perDelivery[group] = round(ms - mean, 2);
  }
  return {
    ...subscribed,
    ratio_to_webhook_e2e: round(subscribed.completed_per_s / plain, 3),
    plain_completed_per_s: [round(before.completedPerS, 0), round(after.completedPerS, 0)],
    plain_cpu_ms_per_run: plainCpu,
    cpu_ms_per_delivery: perDelivery,
  };
}
