import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { startTestApi, type TestApi } from "./testing/start-api";

const URL = "https://hooks.example.com/switchyard";
const secretOf = (bytes: number) => `whsec_${randomBytes(bytes).toString("base64")}`;

describe("subscriptions API", () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
    await api.request("POST", "/api/workflows", { body: { name: "subs", handle: "subs" } });
  });
  after(() => api.close());

  const create = (body: unknown) => api.request("POST", "/api/subscriptions", { body });
  const field = (res: { body: any }) => res.body.detail.map((d: any) => d.loc.join("."));

  it("creates a subscription with a generated secret shown once, and never again", async () => {
    const res = await create({ url: URL, events: ["run.failed", "run.failed", "cron.missed"], workflow: "subs" });
    assert.equal(res.status, 201, res.text);
    assert.match(res.body.secret, /^whsec_/);
    assert.equal(Buffer.from(res.body.secret.slice(6), "base64").length, 32);
    assert.deepEqual(res.body.events, ["run.failed", "cron.missed"]);
    assert.equal(res.body.enabled, true);
    const workflow = await api.request("GET", "/api/workflows/subs");
    assert.equal(res.body.workflow_id, workflow.body.id);
    const one = await api.request("GET", `/api/subscriptions/${res.body.id}`);
    assert.equal(one.status, 200);
    assert.equal("secret" in one.body, false);
    const list = await api.request("GET", "/api/subscriptions");
    assert.ok(list.body.some((s: any) => s.id === res.body.id && !("secret" in s)));
    // Stored sealed with SECRET_KEY, not as sent.
    const stored = await api.deps.db.pool.query("SELECT secret FROM event_subscriptions WHERE id = $1", [res.body.id]);
    assert.match(stored.rows[0].secret, /^enc:v1:/);
  });

  it("keeps a given secret, replaces it on PUT and keeps it when PUT omits it", async () => {
    const secret = secretOf(24);
    const res = await create({ url: URL, events: ["run.succeeded"], secret });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.secret, secret);
    assert.equal(res.body.workflow_id, null);
    const put = await api.request("PUT", `/api/subscriptions/${res.body.id}`, {
      body: { url: `${URL}/2`, events: ["run.cancelled"], workflow: null, enabled: false },
    });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.url, `${URL}/2`);
    assert.deepEqual(put.body.events, ["run.cancelled"]);
    assert.equal(put.body.enabled, false);
    assert.equal("secret" in put.body, false);
  });

  it("answers 422 naming the field for a bad URL, event, empty events or a malformed secret", async () => {
    const cases: [unknown, string][] = [
      [{ url: "ftp://example.com/x", events: ["run.failed"] }, "body.url"],
      [{ url: "not a url", events: ["run.failed"] }, "body.url"],
      [{ url: URL, events: ["run.exploded"] }, "body.events.0"],
      [{ url: URL, events: [] }, "body.events"],
      [{ url: URL, events: ["run.failed"], secret: "hunter2" }, "body.secret"],
      [{ url: URL, events: ["run.failed"], secret: secretOf(16) }, "body.secret"],
      [{ url: URL, events: ["run.failed"], secret: secretOf(65) }, "body.secret"],
      [{ url: URL, events: ["run.failed"], workflow: "no-such-workflow" }, "body.workflow"],
      [{ url: URL, events: ["run.failed"], extra: 1 }, "body"],
    ];
    for (const [body, loc] of cases) {
      const res = await create(body);
      assert.equal(res.status, 422, `${JSON.stringify(body)}: ${res.text}`);
      assert.ok(field(res).includes(loc), `${JSON.stringify(body)}: ${res.text}`);
    }
  });

  it("answers 404 for an unknown or non-UUID id on every route", async () => {
    const body = { url: URL, events: ["run.failed"] };
    for (const id of ["nope", crypto.randomUUID()]) {
      assert.equal((await api.request("GET", `/api/subscriptions/${id}`)).status, 404);
      assert.equal((await api.request("PUT", `/api/subscriptions/${id}`, { body })).status, 404);
      assert.equal((await api.request("DELETE", `/api/subscriptions/${id}`)).status, 404);
      assert.equal((await api.request("GET", `/api/subscriptions/${id}/deliveries`)).status, 404);
      const retry = await api.request("POST", `/api/subscriptions/${id}/deliveries/${crypto.randomUUID()}/retry`);
      assert.equal(retry.status, 404);
    }
  });

  it("deletes a subscription", async () => {
    const res = await create({ url: URL, events: ["run.started"] });
    assert.equal((await api.request("DELETE", `/api/subscriptions/${res.body.id}`)).status, 204);
    assert.equal((await api.request("GET", `/api/subscriptions/${res.body.id}`)).status, 404);
  });

  it("writes no delivery while no subscription asks for the event", async () => {
    const { rows } = await api.deps.db.pool.query("SELECT count(*)::int AS n FROM event_deliveries");
    assert.equal(rows[0].n, 0);
  });
});

describe("subscriptions without SECRET_KEY", () => {
  it("refuses to store a secret (422 naming it)", async () => {
    const api = await startTestApi({ SECRET_KEY: "" });
    try {
      const res = await api.request("POST", "/api/subscriptions", { body: { url: URL, events: ["run.failed"] } });
      assert.equal(res.status, 422, res.text);
      assert.deepEqual(res.body.detail[0].loc, ["body", "secret"]);
    } finally {
      await api.close();
    }
  });
});
