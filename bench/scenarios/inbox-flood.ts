import type pg from "pg";
import { until } from "../lib/bench-env";
import { createBenchWorkflow, webhookPath } from "../lib/bench-workflow";
import { runClosedLoop, type HttpClient } from "../lib/http-load";
import { round } from "../lib/stats";

export type InboxFloodResult = {
  scenario: "inbox-flood";
  rejected_requests: number;
  accepted_requests: number;
  clients: number;
  /** Answers per second to deliveries refused for a wrong required header (400), at full speed. */
  rejected_per_s: number;
  /** Answers per second to accepted deliveries (202) of the same workflow, right after. */
  accepted_per_s: number;
  /** rejected_per_s ÷ accepted_per_s: at least 1, a rejection costs no more than an acceptance. */
  rejected_to_accepted: number;
  /** Requests of either kind answered with anything else, or not at all. */
  unexpected: number;
  /** Rejected deliveries the inbox kept, and the most the sampling allows over the minutes the flood spanned. */
  inbox_rejected_kept: number;
  inbox_rejected_allowed: number;
};

// A required header (400 without it) rather than a secret: the bench's api runs without SECRET_KEY.
const HEADER = "x-bench-kind";
const PER_MINUTE = 600; // INBOX_REJECTED_PER_MINUTE's default, which the bench's api runs with

/**
 * `rejected` deliveries refused for a wrong required header from `clients` keep-alive loops, then `accepted` ones with the
 * right header: the api answers a rejection at least as fast as an acceptance, and the inbox keeps at most
 * INBOX_REJECTED_PER_MINUTE of the rejections per minute (the rest are counted as dropped).
 */
export async function runInboxFlood(
  client: HttpClient,
  pool: pg.Pool,
  apiUrl: string,
  rejected = 20_000,
  accepted = 5_000,
  clients = 64,
): Promise<InboxFloodResult> {
  const workflowId = await createBenchWorkflow(client, "bench-inbox-flood");
  const put = await client.send("PUT", `/api/workflows/${workflowId}/triggers/webhook/config`, {
    required_headers: { [HEADER]: "real" },
  });
  if (put.status !== 200) throw new Error(`webhook config answered ${put.status}: ${put.body}`);
  const path = webhookPath(workflowId);

  const droppedBefore = await droppedCount(apiUrl);
  const firstMinute = Math.floor(Date.now() / 60_000);
  let start = Date.now();
  const refused = await runClosedLoop(rejected, clients, (i) =>
    client.send("POST", path, { n: i }, { [HEADER]: "forged" }),
  );
  const rejectedMs = Date.now() - start;
  const minutes = Math.floor(Date.now() / 60_000) - firstMinute + 1;
  start = Date.now();
  const admitted = await runClosedLoop(accepted, clients, (i) =>
    client.send("POST", path, { n: i }, { [HEADER]: "real" }),
  );
  const acceptedMs = Date.now() - start;

  // Every rejection is kept or counted as dropped once its answer went out.
  let kept = 0;
  await until(
    async () => {
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM webhook_inbox WHERE workflow_id = $1 AND outcome = 'rejected'`,
        [workflowId],
      );
      kept = rows[0]!.n;
      return kept + (await droppedCount(apiUrl)) - droppedBefore >= rejected;
    },
    "inbox-flood rejections to be kept or dropped",
    120_000,
    250,
  );
  const rejectedPerS = (rejected / rejectedMs) * 1000;
  const acceptedPerS = (accepted / acceptedMs) * 1000;
  return {
    scenario: "inbox-flood",
    rejected_requests: rejected,
    accepted_requests: accepted,
    clients,
    rejected_per_s: round(rejectedPerS, 0),
    accepted_per_s: round(acceptedPerS, 0),
    rejected_to_accepted: round(rejectedPerS / acceptedPerS, 2),
    unexpected: refused.filter((r) => r.status !== 400).length + admitted.filter((r) => r.status !== 202).length,
    inbox_rejected_kept: kept,
    inbox_rejected_allowed: PER_MINUTE * minutes,
  };
}

async function droppedCount(apiUrl: string): Promise<number> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith("switchyard_inbox_rejected_dropped_total "));
  return line === undefined ? 0 : Number(line.split(" ")[1]);
}
