/**
 * A receiver of Switchyard's outgoing run events (docs/outgoing-events.md): it subscribes its own URL to
 * `run.failed`, then verifies every delivery with a Standard Webhooks library before trusting it, and prints each
 * failed run once (deliveries are at least once: `webhook-id` deduplicates them).
 *
 *   API_URL=http://127.0.0.1:8000 SWITCHYARD_API_KEY=sy_... PORT=4000 \
 *     npx tsx examples/run-failed-receiver.ts [workflow handle or id]
 *
 * The key needs the admin scope (subscriptions are admin only). RECEIVER_URL is the address Switchyard's workers
 * reach this process at (default http://127.0.0.1:<PORT>/). The subscription is deleted on Ctrl-C.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook, WebhookVerificationError } from "standardwebhooks";

type RunFailed = {
  type: "run.failed";
  timestamp: string;
  data: { id: string; workflow_id: string; error: string | null };
};

const apiUrl = process.env.API_URL ?? "http://127.0.0.1:8000";
const headers = {
  "content-type": "application/json",
  ...(process.env.SWITCHYARD_API_KEY !== undefined && { authorization: `Bearer ${process.env.SWITCHYARD_API_KEY}` }),
};
const workflow = process.argv[2];

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1024 * 1024) throw new Error("body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

// Known after subscribing; deliveries cannot come before that.
const verifier: { webhook?: Webhook } = {};
const seen = new Set<string>();

const server = createServer((req, res) => {
  void (async () => {
    // Verify the raw body exactly as received: a re-serialised one would not match the signature.
    const body = await readBody(req);
    let event: RunFailed;
    try {
      if (verifier.webhook === undefined) throw new WebhookVerificationError("not subscribed yet");
      event = verifier.webhook.verify(body, {
        "webhook-id": String(req.headers["webhook-id"] ?? ""),
        "webhook-timestamp": String(req.headers["webhook-timestamp"] ?? ""),
        "webhook-signature": String(req.headers["webhook-signature"] ?? ""),
      }) as RunFailed;
    } catch (err) {
      console.log(`rejected ${err instanceof Error ? err.message : String(err)}`);
      res.writeHead(401).end();
      return;
    }
    // Answer at once; do the work after. A repeat of a delivery already handled is acknowledged and skipped.
    res.writeHead(204).end();
    const id = String(req.headers["webhook-id"]);
    if (seen.has(id)) return;
    seen.add(id);
    console.log(`run.failed ${event.data.id} ${event.data.error ?? ""}`);
  })().catch(() => res.writeHead(400).end());
});

await new Promise<void>((resolve) => server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", resolve));
const receiverUrl = process.env.RECEIVER_URL ?? `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

const created = await fetch(`${apiUrl}/api/subscriptions`, {
  method: "POST",
  headers,
  body: JSON.stringify({ url: receiverUrl, events: ["run.failed"], workflow: workflow ?? null }),
});
if (created.status !== 201) {
  console.error(`subscribing failed: ${created.status} ${await created.text()}`);
  process.exit(1);
}
// The secret is shown only in this answer: it stays in this process's memory.
const subscription = (await created.json()) as { id: string; secret: string };
verifier.webhook = new Webhook(subscription.secret);
console.log(`listening ${receiverUrl} subscription ${subscription.id}`);

const stop = async () => {
  await fetch(`${apiUrl}/api/subscriptions/${subscription.id}`, { method: "DELETE", headers }).catch(() => undefined);
  server.close();
  process.exit(0);
};
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());
