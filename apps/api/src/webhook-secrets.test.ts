import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { Writable } from "node:stream";
import winston from "winston";
import { createSecretBox } from "@switchyard/core/secrets/secret-box";
import { startTestApi, type TestApi } from "./testing/start-api";

const KEY_A = "A".repeat(40);
const KEY_B = "B".repeat(40);
const SHARED = "shared-secret-plain-value";
const HMAC = "hmac-secret-plain-value";
const GRAPH = { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] };

/** Every log entry of the API, at every level, as JSON text. */
function captureLogs(api: TestApi): string[] {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString("utf8"));
      done();
    },
  });
  api.deps.logger.level = "debug";
  api.deps.logger.add(new winston.transports.Stream({ stream, level: "debug", format: winston.format.json() }));
  return lines;
}

const storedConfigText = async (api: TestApi, handle: string) =>
  String(
    (
      await api.deps.db.pool.query(
        "SELECT c.config::text AS t FROM webhook_configs c JOIN workflows w ON w.id = c.workflow_id WHERE w.handle = $1",
        [handle],
      )
    ).rows[0]?.t,
  );

const sign = (body: string) => `sha256=${createHmac("sha256", HMAC).update(body).digest("hex")}`;

async function createWorkflow(api: TestApi, handle: string) {
  await api.request("POST", "/api/workflows", { body: { name: handle, handle } });
  await api.request("POST", `/api/workflows/${handle}/versions`, { body: { graph: GRAPH } });
}

let deliveries = 0;
// A new body each time: a signature seen before is a replay (401).
const deliver = (api: TestApi, handle: string, secret: string, extra: Record<string, string> = {}) => {
  const body = JSON.stringify({ n: ++deliveries });
  return api.request("POST", `/api/workflows/${handle}/triggers/webhook`, {
    raw: body,
    headers: { "content-type": "application/json", "x-hook-secret": secret, "x-sig": sign(body), ...extra },
  });
};

const CONFIG = { secret_header: "x-hook-secret", shared_secret: SHARED, hmac_header: "x-sig", hmac_secret: HMAC };

describe("webhook secrets at rest", () => {
  let api: TestApi;
  let logs: string[];
  before(async () => {
    api = await startTestApi({ SECRET_KEY: KEY_A });
    logs = captureLogs(api);
  });
  after(async () => {
    await api.close();
  });

  it("stores secrets encrypted, verifies deliveries with them, and never logs or returns them", async () => {
    await createWorkflow(api, "enc");
    const put = await api.request("PUT", "/api/workflows/enc/triggers/webhook/config", { body: CONFIG });
    assert.equal(put.status, 200, put.text);
    const text = await storedConfigText(api, "enc");
    assert.ok(!text.includes(SHARED) && !text.includes(HMAC), "no plain text in the row");
    const stored = JSON.parse(text) as { shared_secret: string; hmac_secret: string };
    assert.match(stored.shared_secret, /^enc:v1:/);
    assert.equal(createSecretBox(KEY_A).decrypt(stored.hmac_secret), HMAC);

    const ok = await deliver(api, "enc", SHARED, {
      authorization: "Bearer caller",
      cookie: "c=1",
      "x-api-token": "t",
      "x-other": "kept",
    });
    assert.equal(ok.status, 202, ok.text);
    assert.equal((await deliver(api, "enc", "wrong")).status, 401);
    assert.deepEqual(
      Object.keys(ok.body.input_payload.headers).filter((h) => /auth|cookie|secret|sig|token/.test(h)),
      [],
    );
    assert.equal(ok.body.input_payload.headers["x-other"], "kept");
    const run = await api.deps.db.pool.query("SELECT row_to_json(r)::text AS t FROM runs r WHERE id = $1", [
      ok.body.id,
    ]);
    assert.ok(!String(run.rows[0].t).includes(SHARED));

    const bad = await api.request("PUT", "/api/workflows/enc/triggers/webhook/config", {
      body: { shared_secret: SHARED },
    });
    assert.equal(bad.status, 422, "half a pair");
    const read = await api.request("GET", "/api/workflows/enc/triggers/webhook/config");
    assert.equal(read.body.shared_secret, "********");
    for (const out of [put.text, bad.text, read.text, logs.join("\n")]) {
      assert.ok(!out.includes(SHARED) && !out.includes(HMAC), out.slice(0, 200));
    }
    assert.ok(logs.length > 0, "the capture saw the log lines");
  });

  it("keeps a plain-text secret from an older release working and encrypts it at the next save", async () => {
    await createWorkflow(api, "legacy");
    const wf = (await api.request("GET", "/api/workflows/legacy")).body;
    await api.deps.db.webhookConfig.create({
      data: { workflowId: wf.id, config: { ...CONFIG, allowed_methods: ["POST"] } },
    });
    assert.equal((await deliver(api, "legacy", SHARED)).status, 202);
    assert.ok((await storedConfigText(api, "legacy")).includes(SHARED));

    const read = (await api.request("GET", "/api/workflows/legacy/triggers/webhook/config")).body;
    assert.equal(
      (await api.request("PUT", "/api/workflows/legacy/triggers/webhook/config", { body: read })).status,
      200,
    );
    const text = await storedConfigText(api, "legacy");
    assert.ok(!text.includes(SHARED) && !text.includes(HMAC));
    assert.equal((await deliver(api, "legacy", SHARED)).status, 202);
  });

  it("reads secrets under SECRET_KEY_PREVIOUS after a rotation and re-encrypts them at the next save", async () => {
    const rotated = await startTestApi({
      SECRET_KEY: KEY_B,
      SECRET_KEY_PREVIOUS: KEY_A,
      DATABASE_URL: api.deps.env.DATABASE_URL!,
    });
    try {
      assert.equal((await deliver(rotated, "enc", SHARED)).status, 202);
      const read = (await rotated.request("GET", "/api/workflows/enc/triggers/webhook/config")).body;
      assert.equal(
        (await rotated.request("PUT", "/api/workflows/enc/triggers/webhook/config", { body: read })).status,
        200,
      );
      const stored = JSON.parse(await storedConfigText(api, "enc")) as { shared_secret: string };
      assert.equal(createSecretBox(KEY_B).decrypt(stored.shared_secret), SHARED, "now under the new key alone");
    } finally {
      await rotated.close();
    }
  });

  it("fails clearly with a wrong SECRET_KEY: 503 to the sender without details, the reason in the log", async () => {
    const wrong = await startTestApi({ SECRET_KEY: "C".repeat(40), DATABASE_URL: api.deps.env.DATABASE_URL! });
    const wrongLogs = captureLogs(wrong);
    try {
      const res = await deliver(wrong, "legacy", SHARED);
      assert.equal(res.status, 503);
      assert.deepEqual(res.body, { detail: "Service unavailable" });
      assert.ok(wrongLogs.some((l) => l.includes("is not the key it was encrypted with")));
      const read = (await wrong.request("GET", "/api/workflows/legacy/triggers/webhook/config")).body;
      const put = await wrong.request("PUT", "/api/workflows/legacy/triggers/webhook/config", { body: read });
      assert.equal(put.status, 500);
      assert.match(put.body.detail, /SECRET_KEY \(and SECRET_KEY_PREVIOUS\) is not the key it was encrypted with/);
    } finally {
      await wrong.close();
    }
  });
});

describe("webhook secrets without SECRET_KEY", () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi({ SECRET_KEY: "" });
  });
  after(async () => {
    await api.close();
  });

  it("refuses to store a new secret with a 422 naming SECRET_KEY, and saves configs without secrets", async () => {
    await createWorkflow(api, "nokey");
    const res = await api.request("PUT", "/api/workflows/nokey/triggers/webhook/config", { body: CONFIG });
    assert.equal(res.status, 422);
    assert.deepEqual(res.body.detail[0].loc, ["body", "shared_secret"]);
    assert.match(res.body.detail[0].msg, /no SECRET_KEY/);
    assert.equal(await storedConfigText(api, "nokey"), "undefined", "nothing stored");
    const plain = await api.request("PUT", "/api/workflows/nokey/triggers/webhook/config", {
      body: { allowed_methods: ["POST"] },
    });
    assert.equal(plain.status, 200);
  });

  it("keeps a stored plain-text secret working and saveable", async () => {
    const wf = (await api.request("GET", "/api/workflows/nokey")).body;
    await api.deps.db.webhookConfig.update({ where: { workflowId: wf.id }, data: { config: CONFIG } });
    assert.equal((await deliver(api, "nokey", SHARED)).status, 202);
    const read = (await api.request("GET", "/api/workflows/nokey/triggers/webhook/config")).body;
    assert.equal(
      (await api.request("PUT", "/api/workflows/nokey/triggers/webhook/config", { body: read })).status,
      200,
    );
    assert.equal((await deliver(api, "nokey", SHARED)).status, 202);
  });
});
