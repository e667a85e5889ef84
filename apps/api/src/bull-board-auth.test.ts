import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createApiKey, revokeApiKey } from "@switchyard/core/auth/api-key-store";
import { startTestApi, type TestApi } from "./testing/start-api";

const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
});
const QUEUES = "/admin/queues/api/queues";
const CLEAN = "/admin/queues/api/queues/runs/clean/completed";

describe("Bull Board auth", () => {
  let api: TestApi;
  let adminKey = "";
  let readKey = "";
  let triggerKey = "";

  before(async () => {
    api = await startTestApi({
      AUTH_MODE: "required",
      API_TOKENS: "tok",
      ADMIN_USERNAME: "admin",
      ADMIN_PASSWORD: "s3cret",
    });
    const make = async (scopes: ("admin" | "trigger" | "read")[]) =>
      (await createApiKey(api.deps.db, { name: scopes[0]!, scopes, createdBy: "test" })).key;
    [adminKey, readKey, triggerKey] = [await make(["admin"]), await make(["read"]), await make(["trigger"])];
  });
  after(async () => {
    await api.close();
  });

  const readOnlyFlags = async (headers: Record<string, string>) => {
    const res = await api.request("GET", QUEUES, { headers });
    assert.equal(res.status, 200, res.text);
    return res.body.queues.map((q: { name: string; readOnlyMode: boolean }) => [q.name, q.readOnlyMode]).sort();
  };

  it("answers 401 with a Basic challenge without credentials or with wrong ones", async () => {
    const none = await api.request("GET", "/admin/queues");
    assert.equal(none.status, 401);
    assert.match(none.headers.get("www-authenticate") ?? "", /^Basic/);
    assert.deepEqual(none.body, { detail: "Not authenticated" });
    for (const headers of [basic("admin", "wrong"), basic("x", "not-a-key"), basic("someone", `${adminKey}x`)]) {
      assert.equal((await api.request("GET", "/admin/queues", { headers })).status, 401);
    }
  });

  it("gives the full board to ADMIN_USERNAME/ADMIN_PASSWORD, API_TOKENS and admin keys (any username)", async () => {
    for (const headers of [
      basic("admin", "s3cret"),
      basic("", "tok"),
      basic("ops", adminKey),
      { authorization: `Bearer ${adminKey}` },
    ]) {
      assert.equal((await api.request("GET", "/admin/queues", { headers })).status, 200);
      assert.deepEqual(await readOnlyFlags(headers), [
        ["beat", false],
        ["runs", false],
      ]);
      const clean = await api.request("PUT", CLEAN, { headers });
      assert.equal(clean.status, 200, clean.text);
    }
  });

  it("gives read and trigger keys a read-only board and refuses their actions with 403", async () => {
    for (const key of [readKey, triggerKey]) {
      const headers = basic("viewer", key);
      assert.equal((await api.request("GET", "/admin/queues", { headers })).status, 200);
      assert.deepEqual(await readOnlyFlags(headers), [
        ["beat", true],
        ["runs", true],
      ]);
      for (const [method, path] of [
        ["PUT", CLEAN],
        ["PUT", "/admin/queues/api/queues/pause"],
        ["POST", "/admin/queues/api/queues/runs/add"],
      ] as const) {
        const res = await api.request(method, path, { headers, body: {} });
        assert.equal(res.status, 403, `${method} ${path}`);
        assert.deepEqual(res.body, { detail: "This route needs an API key with the admin scope" });
      }
    }
  });

  it("refuses a revoked key", async () => {
    const { key, info } = await createApiKey(api.deps.db, { name: "gone", scopes: ["admin"], createdBy: "test" });
    assert.equal((await api.request("GET", "/admin/queues", { headers: basic("x", key) })).status, 200);
    await api.request("DELETE", `/api/keys/${info.id}`, { headers: { authorization: "Bearer tok" } });
    assert.equal((await api.request("GET", "/admin/queues", { headers: basic("x", key) })).status, 401);
    assert.ok(!(await revokeApiKey(api.deps.db, "00000000-0000-0000-0000-000000000000")));
  });

  it("refuses cross-site actions (CSRF) and accepts same-origin ones", async () => {
    const headers = basic("admin", "s3cret");
    const host = new URL(api.url).host;
    const refused: Record<string, string>[] = [
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" },
      { origin: "https://evil.example" },
      { origin: "null" },
      { origin: `http://${host}.evil.example` },
    ];
    for (const extra of refused) {
      const res = await api.request("PUT", CLEAN, { headers: { ...headers, ...extra } });
      assert.equal(res.status, 403, JSON.stringify(extra));
      assert.match(res.body.detail, /^Cross-site request refused/);
    }
    const noCreds = await api.request("POST", "/admin/queues/api/queues/runs/add", {
      headers: { origin: "https://evil.example" },
      body: {},
    });
    assert.equal(noCreds.status, 403, "refused before the credentials are even looked at");
    const accepted: Record<string, string>[] = [
      { "sec-fetch-site": "same-origin" },
      { origin: api.url },
      { "sec-fetch-site": "same-origin", origin: api.url },
      {},
    ];
    for (const extra of accepted) {
      const res = await api.request("PUT", CLEAN, { headers: { ...headers, ...extra } });
      assert.equal(res.status, 200, JSON.stringify(extra));
    }
    const crossSiteRead = await api.request("GET", QUEUES, { headers: { ...headers, "sec-fetch-site": "cross-site" } });
    assert.equal(crossSiteRead.status, 200, "reads change nothing");
  });

  it("shows job data with ids only: a webhook's secret never reaches the board", async () => {
    const admin = { authorization: "Bearer tok" };
    await api.request("POST", "/api/workflows", { body: { name: "B", handle: "board" }, headers: admin });
    const graph = { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] };
    await api.request("POST", "/api/workflows/board/versions", { body: { graph }, headers: admin });
    const secret = "board-visible-secret-value";
    const put = await api.request("PUT", "/api/workflows/board/triggers/webhook/config", {
      body: { secret_header: "x-hook-secret", shared_secret: secret },
      headers: admin,
    });
    assert.equal(put.status, 200, put.text);
    const hook = await api.request("POST", "/api/workflows/board/triggers/webhook", {
      body: { a: 1 },
      headers: { "x-hook-secret": secret },
    });
    assert.equal(hook.status, 202, hook.text);
    const listing = await api.request("GET", `${QUEUES}?activeQueue=runs&status=prioritized&page=1`, {
      headers: basic("admin", "s3cret"),
    });
    assert.equal(listing.status, 200);
    const runs = listing.body.queues.find((q: { name: string }) => q.name === "runs");
    assert.deepEqual(
      runs.jobs.map((j: { data: unknown }) => j.data),
      [{ run_id: hook.body.id }],
    );
    assert.ok(!listing.text.includes(secret));
  });
});
