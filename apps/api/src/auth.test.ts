import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startTestApi, type TestApi } from "./testing/start-api";

describe("auth required", () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi({
      AUTH_MODE: "required",
      API_TOKENS: "tok-one, tok-two",
      ADMIN_USERNAME: "admin",
      ADMIN_PASSWORD: "s3cret",
    });
  });
  after(async () => {
    await api.close();
  });

  it("returns 401 without a token and with a wrong one", async () => {
    const none = await api.request("GET", "/api/workflows");
    assert.equal(none.status, 401);
    assert.deepEqual(none.body, { detail: "Not authenticated" });
    assert.equal(none.headers.get("www-authenticate"), "Bearer");
    const wrong = await api.request("GET", "/api/workflows", { headers: { authorization: "Bearer nope" } });
    assert.equal(wrong.status, 401);
    const dispatch = await api.request("POST", "/api/triggers/cron/dispatch", { body: {} });
    assert.equal(dispatch.status, 401);
  });

  it("accepts any configured token", async () => {
    for (const token of ["tok-one", "tok-two"]) {
      const res = await api.request("GET", "/api/workflows", { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200);
    }
  });

  it("keeps health endpoints and webhook invocation public", async () => {
    assert.equal((await api.request("GET", "/api/system/health")).status, 200);
    assert.equal((await api.request("GET", "/healthz")).status, 200);
    const hook = await api.request("POST", "/api/workflows/unknown/triggers/webhook", { body: {} });
    assert.equal(hook.status, 404, "reaches the webhook route, not the auth check");
  });

  it("puts Bull Board behind the admin credentials", async () => {
    const none = await api.request("GET", "/admin/queues");
    assert.equal(none.status, 401);
    assert.match(none.headers.get("www-authenticate") ?? "", /^Basic/);
    const bad = await api.request("GET", "/admin/queues", {
      headers: { authorization: `Basic ${Buffer.from("admin:wrong").toString("base64")}` },
    });
    assert.equal(bad.status, 401);
    const auth = { authorization: `Basic ${Buffer.from("admin:s3cret").toString("base64")}` };
    const page = await api.request("GET", "/admin/queues", { headers: auth });
    assert.equal(page.status, 200);
    const queues = await api.request("GET", "/admin/queues/api/queues", { headers: auth });
    assert.equal(queues.status, 200);
    const names = queues.body.queues.map((q: { name: string }) => q.name).sort();
    assert.deepEqual(names, ["beat", "runs"]);
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

  it("serves the API without a token and leaves Bull Board unmounted", async () => {
    assert.equal((await api.request("GET", "/api/workflows")).status, 200);
    assert.equal((await api.request("GET", "/admin/queues")).status, 404);
  });
});
