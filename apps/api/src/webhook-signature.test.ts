import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { eventually } from "@switchyard/core/testing/service-process";
import { startTestApi, type TestApi } from "./testing/start-api";

const GRAPH = { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] };
const SECRET = "whsec_5f3a";
const DENIED = { detail: "Invalid webhook authentication credentials" };

const hmac = (message: string, algorithm = "sha256") => createHmac(algorithm, SECRET).update(message).digest("hex");
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe("webhook signatures", () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
  });
  after(async () => {
    await api.close();
  });

  async function createWorkflow(handle: string, config: object) {
    const workflow = await api.deps.db.workflow.create({ data: { name: handle, handle } });
    await api.deps.db.workflowVersion.create({ data: { workflowId: workflow.id, version: 1, graph: GRAPH } });
    const res = await api.request("PUT", `/api/workflows/${handle}/triggers/webhook/config`, { body: config });
    assert.equal(res.status, 200, res.text);
    return workflow;
  }
  const post = (handle: string, raw: string, headers: Record<string, string>) =>
    api.request("POST", `/api/workflows/${handle}/triggers/webhook`, {
      raw,
      headers: { "content-type": "application/json", ...headers },
    });

  it("accepts a GitHub-style sender and rejects a replay of the same delivery", async () => {
    await createWorkflow("github", { hmac_header: "X-Hub-Signature-256", hmac_secret: SECRET });
    const body = JSON.stringify({ action: "opened", number: 7 }, null, 2);
    const headers = { "x-hub-signature-256": `sha256=${hmac(body)}`, "x-github-event": "pull_request" };
    const first = await post("github", body, headers);
    assert.equal(first.status, 202, first.text);
    assert.equal(first.body.input_payload.headers["x-hub-signature-256"], undefined);
    assert.equal(first.body.input_payload.headers["x-github-event"], "pull_request");
    const replay = await post("github", body, headers);
    assert.equal(replay.status, 401);
    assert.deepEqual(replay.body, DENIED);
    const forged = await post("github", body.replace("7", "8"), headers);
    assert.deepEqual(forged.body, DENIED);
  });

  it("accepts a Stripe-style sender and rejects a stale or replayed timestamped signature", async () => {
    await createWorkflow("stripe", { hmac_header: "Stripe-Signature", hmac_secret: SECRET });
    const body = JSON.stringify({ id: "evt_1", type: "charge.succeeded" });
    const sign = (t: number) => `t=${t},v1=${hmac(`${t}.${body}`)},v0=${"0".repeat(64)}`;
    const t = nowSeconds();
    const ok = await post("stripe", body, { "stripe-signature": sign(t) });
    assert.equal(ok.status, 202, ok.text);
    assert.deepEqual((await post("stripe", body, { "stripe-signature": sign(t) })).body, DENIED);
    const stale = await post("stripe", body, { "stripe-signature": sign(t - 600) });
    assert.equal(stale.status, 401);
    assert.deepEqual(stale.body, DENIED);
    assert.equal((await post("stripe", body, { "stripe-signature": sign(t + 600) })).status, 401);
    // A fresh timestamp is a new signature, so a retried event is accepted.
    assert.equal((await post("stripe", body, { "stripe-signature": sign(t - 1) })).status, 202);
  });

  it("accepts Orcheo's sorted-key form of the body with a timestamp header", async () => {
    await createWorkflow("orcheo", {
      hmac_header: "x-orcheo-signature",
      hmac_secret: SECRET,
      hmac_timestamp_header: "x-orcheo-timestamp",
    });
    const raw = '{"z": 1, "a": {"name": "Zoë", "n": 2.0}}';
    const t = String(nowSeconds());
    // Python: json.dumps(payload, sort_keys=True, separators=(",", ":")), ensure_ascii by default.
    const ascii = '{"a":{"n":2.0,"name":"Zo\\u00eb"},"z":1}';
    const res = await post("orcheo", raw, { "x-orcheo-signature": hmac(`${t}.${ascii}`), "x-orcheo-timestamp": t });
    assert.equal(res.status, 202, res.text);
    assert.deepEqual(res.body.input_payload.body, { z: 1, a: { name: "Zoë", n: 2 } });
    const utf8 = '{"a":{"n":2.0,"name":"Zoë"},"z":1}';
    const plain = await post("orcheo", raw, {
      "x-orcheo-signature": `sha256=${hmac(`${t}.${utf8}`)}`,
      "x-orcheo-timestamp": t,
    });
    assert.equal(plain.status, 202, plain.text);
    const iso = new Date(Number(t) * 1000 - 2000).toISOString();
    const withIso = await post("orcheo", raw, {
      "x-orcheo-signature": hmac(`${Number(t) - 2}.${ascii}`),
      "x-orcheo-timestamp": iso,
    });
    assert.equal(withIso.status, 202, withIso.text);
    assert.equal((await post("orcheo", raw, { "x-orcheo-signature": hmac(`${t}.${ascii}`) })).status, 401);
  });

  it("accepts a Slack-style sender, including its signed URL verification", async () => {
    const workflow = await createWorkflow("slack", {
      hmac_header: "X-Slack-Signature",
      hmac_secret: SECRET,
      hmac_timestamp_header: "X-Slack-Request-Timestamp",
    });
    const slack = (body: string, ts = String(nowSeconds())) => ({
      "x-slack-signature": `v0=${hmac(`v0:${ts}:${body}`)}`,
      "x-slack-request-timestamp": ts,
    });
    const challenge = JSON.stringify({ token: "t", challenge: "ch4ll", type: "url_verification" });
    const verified = await post("slack", challenge, slack(challenge));
    assert.equal(verified.status, 200);
    assert.deepEqual(verified.body, { challenge: "ch4ll" });
    assert.equal((await post("slack", challenge, { "x-slack-signature": "v0=00" })).status, 401);

    const event = JSON.stringify({ type: "event_callback", event: { type: "message", text: "hi" } });
    const res = await post("slack", event, slack(event));
    assert.equal(res.status, 202, res.text);
    assert.equal(res.body.input_payload.headers["x-slack-signature"], undefined);
    assert.equal(res.body.input_payload.headers["x-slack-request-timestamp"] !== undefined, true);
    assert.equal((await post("slack", event, slack(event, String(nowSeconds() - 301)))).status, 401);
    assert.equal(await api.deps.db.run.count({ where: { workflowId: workflow.id } }), 1);
  });

  it("keeps replays out for 300 seconds when the age check is disabled", async () => {
    await createWorkflow("notolerance", {
      hmac_header: "x-sig",
      hmac_secret: SECRET,
      hmac_algorithm: "sha512",
      hmac_tolerance_seconds: 0,
    });
    const t = nowSeconds() - 86_400;
    const body = '{"old":true}';
    const headers = { "x-sig": `t=${t},v1=${hmac(`${t}.${body}`, "sha512")}` };
    assert.equal((await post("notolerance", body, headers)).status, 202);
    assert.equal((await post("notolerance", body, headers)).status, 401);
    // Replays are remembered in Postgres (webhook_signatures) until the window ends.
    const [row] = await api.deps.db.$queryRawUnsafe<{ ttl: number }[]>(
      `SELECT extract(epoch FROM expires_at - now()) * 1000 AS ttl FROM webhook_signatures WHERE signature = $1`,
      hmac(`${t}.${body}`, "sha512"),
    );
    const ttl = Number(row?.ttl);
    assert.ok(ttl > 290_000 && ttl <= 300_000, String(ttl));
  });

  it("does not take a rate-limited signed delivery for a replay when it is retried", async () => {
    const workflow = await createWorkflow("limited", {
      hmac_header: "x-sig",
      hmac_secret: SECRET,
      rate_limit: { limit: 1, interval_seconds: 1 },
    });
    assert.equal((await post("limited", '{"n":1}', { "x-sig": hmac('{"n":1}') })).status, 202);
    const second = { "x-sig": hmac('{"n":2}') };
    const limited = await post("limited", '{"n":2}', second);
    assert.equal(limited.status, 429);
    assert.deepEqual(limited.body, { detail: "Webhook rate limit exceeded. Limit: 1 requests per 1 seconds" });
    // The same signed delivery, retried once the window has moved on, is accepted (never 401).
    await eventually(
      async () => {
        const retry = await post("limited", '{"n":2}', second);
        assert.notEqual(retry.status, 401);
        return retry.status === 202 ? true : undefined;
      },
      5_000,
      "the retried delivery to be accepted",
    );
    assert.equal(await api.deps.db.run.count({ where: { workflowId: workflow.id } }), 2);
  });

  it("checks the shared secret alongside the HMAC signature", async () => {
    await createWorkflow("both", {
      hmac_header: "x-sig",
      hmac_secret: SECRET,
      secret_header: "x-token",
      shared_secret: "tok",
    });
    const body = '{"both":1}';
    assert.equal((await post("both", body, { "x-sig": hmac(body) })).status, 401);
    assert.equal((await post("both", body, { "x-sig": hmac(body), "x-token": "tok" })).status, 202);
  });
});
