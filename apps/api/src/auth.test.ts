import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createApiKey } from "@switchyard/core/auth/api-key-store";
import { startTestApi, type TestApi } from "./testing/start-api";

const GRAPH = { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] };

describe("auth required", () => {
  let api: TestApi;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  let readKey = "";
  let triggerKey = "";
  let adminKey = "";

  before(async () => {
    api = await startTestApi({ AUTH_MODE: "required", API_TOKENS: "tok-one, tok-two" });
    const make = async (scopes: ("admin" | "trigger" | "read")[]) =>
      (await createApiKey(api.deps.db, { name: scopes.join("+"), scopes, createdBy: "test" })).key;
    [readKey, triggerKey, adminKey] = [await make(["read"]), await make(["trigger"]), await make(["admin"])];
    const wf = await api.request("POST", "/api/workflows", {
      body: { name: "A", handle: "auth" },
      headers: bearer("tok-one"),
    });
    assert.equal(wf.status, 201);
    await api.request("POST", "/api/workflows/auth/versions", { body: { graph: GRAPH }, headers: bearer("tok-one") });
  });
  after(async () => {
    await api.close();
  });

  it("returns 401 without a token and with a wrong one", async () => {
    const none = await api.request("GET", "/api/workflows");
    assert.equal(none.status, 401);
    assert.deepEqual(none.body, { detail: "Not authenticated" });
    assert.equal(none.headers.get("www-authenticate"), "Bearer");
    for (const token of ["nope", "sy_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", `${adminKey}x`]) {
      const wrong = await api.request("GET", "/api/workflows", { headers: bearer(token) });
      assert.equal(wrong.status, 401, token);
      assert.deepEqual(wrong.body, { detail: "Invalid API token" });
    }
    const dispatch = await api.request("POST", "/api/triggers/cron/dispatch", { body: {} });
    assert.equal(dispatch.status, 401);
  });

  it("keeps every API_TOKENS entry working as an admin token", async () => {
    for (const token of ["tok-one", "tok-two"]) {
      assert.equal((await api.request("GET", "/api/workflows", { headers: bearer(token) })).status, 200);
      assert.equal((await api.request("GET", "/api/keys", { headers: bearer(token) })).status, 200);
    }
    const put = await api.request("PUT", "/api/workflows/auth", { body: { name: "A2" }, headers: bearer("tok-two") });
    assert.equal(put.status, 200, put.text);
  });

  it("lets a read key GET but answers 403 to its writes", async () => {
    assert.equal((await api.request("GET", "/api/workflows", { headers: bearer(readKey) })).status, 200);
    assert.equal((await api.request("GET", "/api/workflows/auth/runs", { headers: bearer(readKey) })).status, 200);
    for (const [method, path] of [
      ["POST", "/api/workflows"],
      ["POST", "/api/workflows/auth/runs"],
      ["POST", "/api/triggers/manual/dispatch"],
      ["PUT", "/api/workflows/auth/triggers/webhook/config"],
    ] as const) {
      const res = await api.request(method, path, { body: {}, headers: bearer(readKey) });
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.match(res.body.detail, /needs an API key with the (trigger|admin) scope/);
    }
    assert.equal((await api.request("GET", "/api/keys", { headers: bearer(readKey) })).status, 403);
  });

  it("lets a trigger key dispatch runs and the cron tick, but not manage workflows or keys", async () => {
    const wf = (await api.request("GET", "/api/workflows/auth", { headers: bearer(triggerKey) })).body;
    const manual = await api.request("POST", "/api/triggers/manual/dispatch", {
      body: { workflow_id: wf.id, runs: [{ input_payload: {} }] },
      headers: bearer(triggerKey),
    });
    assert.equal(manual.status, 200, manual.text);
    const runId: string = manual.body[0].id;
    const cancel = await api.request("POST", `/api/runs/${runId}/cancel`, { body: {}, headers: bearer(triggerKey) });
    assert.equal(cancel.status, 200, cancel.text);
    const cron = await api.request("POST", "/api/triggers/cron/dispatch", { body: {}, headers: bearer(triggerKey) });
    assert.equal(cron.status, 200, cron.text);

    const createKey = await api.request("POST", "/api/keys", {
      body: { name: "x", scopes: ["read"] },
      headers: bearer(triggerKey),
    });
    assert.equal(createKey.status, 403);
    assert.deepEqual(createKey.body, { detail: "This route needs an API key with the admin scope" });
    assert.equal((await api.request("GET", "/api/keys", { headers: bearer(triggerKey) })).status, 403);
    const edit = await api.request("PUT", "/api/workflows/auth", { body: { name: "B" }, headers: bearer(triggerKey) });
    assert.equal(edit.status, 403);
    const version = await api.request("POST", "/api/workflows/auth/versions", {
      body: { graph: GRAPH },
      headers: bearer(triggerKey),
    });
    assert.equal(version.status, 403);
  });

  it("lets an admin key do everything", async () => {
    const created = await api.request("POST", "/api/workflows", {
      body: { name: "C", handle: "by-admin-key" },
      headers: bearer(adminKey),
    });
    assert.equal(created.status, 201, created.text);
    assert.equal((await api.request("GET", "/api/keys", { headers: bearer(adminKey) })).status, 200);
  });

  it("keeps health endpoints and webhook invocation public", async () => {
    assert.equal((await api.request("GET", "/api/system/health")).status, 200);
    assert.equal((await api.request("GET", "/healthz")).status, 200);
    const hook = await api.request("POST", "/api/workflows/unknown/triggers/webhook", { body: {} });
    assert.equal(hook.status, 404, "reaches the webhook route, not the auth check");
  });
});

describe("auth required with keys in Postgres only", () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi({ AUTH_MODE: "required" });
  });
  after(async () => {
    await api.close();
  });

  it("starts without API_TOKENS and accepts a stored key", async () => {
    assert.equal((await api.request("GET", "/api/workflows")).status, 401);
    const { key } = await createApiKey(api.deps.db, { name: "first", scopes: ["admin"], createdBy: "test" });
    const res = await api.request("GET", "/api/workflows", { headers: { authorization: `Bearer ${key}` } });
    assert.equal(res.status, 200);
  });

  it("checks an API_TOKENS entry in the stored-key format against Postgres, with the key's own scopes", async () => {
    const { key } = await createApiKey(api.deps.db, { name: "beat", scopes: ["trigger"], createdBy: "test" });
    const other = await startTestApi({
      AUTH_MODE: "required",
      API_TOKENS: key,
      DATABASE_URL: api.deps.env.DATABASE_URL!,
    });
    try {
      const h = { authorization: `Bearer ${key}` };
      assert.equal((await other.request("POST", "/api/triggers/cron/dispatch", { body: {}, headers: h })).status, 200);
      assert.equal((await other.request("GET", "/api/keys", { headers: h })).status, 403, "not a static admin token");
    } finally {
      await other.close();
    }
  });
});

describe("auth disabled", () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi({ AUTH_MODE: "disabled" });
  });
  after(async () => {
    await api.close();
  });

  it("serves the API without a token and still keeps Bull Board behind credentials", async () => {
    assert.equal((await api.request("GET", "/api/workflows")).status, 200);
    assert.equal((await api.request("GET", "/api/keys")).status, 200);
    assert.equal((await api.request("GET", "/admin/queues")).status, 401);
  });
});
