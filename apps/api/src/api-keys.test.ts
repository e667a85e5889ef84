import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { hashApiKey } from "@switchyard/core/auth/api-key";
import { eventually } from "@switchyard/core/testing/service-process";
import { startTestApi, type TestApi } from "./testing/start-api";

describe("API keys", () => {
  let api: TestApi;
  const admin = { authorization: "Bearer root-token" };

  before(async () => {
    api = await startTestApi({ AUTH_MODE: "required", API_TOKENS: "root-token" });
  });
  after(async () => {
    await api.close();
  });

  it("shows a new key once, lists keys without it, and stores only its hash", async () => {
    const created = await api.request("POST", "/api/keys", {
      body: { name: "ops", scopes: ["read", "admin", "read"] },
      headers: admin,
    });
    assert.equal(created.status, 201, created.text);
    const { key, id, prefix } = created.body;
    assert.match(key, /^sy_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    assert.equal(key.split("_")[1], prefix);
    assert.deepEqual(created.body.scopes, ["admin", "read"]);
    assert.equal(created.body.created_by, `api_token:${hashApiKey("root-token").slice(0, 12)}`);
    assert.equal(created.body.revoked_at, null);
    assert.equal(created.body.last_used_at, null);

    const listed = await api.request("GET", "/api/keys", { headers: admin });
    assert.equal(listed.status, 200);
    const entry = listed.body.find((k: { id: string }) => k.id === id);
    assert.deepEqual(Object.keys(entry).sort(), [
      "created_at",
      "created_by",
      "id",
      "last_used_at",
      "name",
      "prefix",
      "revoked_at",
      "scopes",
    ]);
    assert.ok(!listed.text.includes(key.slice(16)), "the secret part never appears again");
    assert.ok(!listed.text.includes(hashApiKey(key)), "nor its hash");

    const row = await api.deps.db.apiKey.findUniqueOrThrow({ where: { id } });
    assert.equal(row.keyHash, hashApiKey(key));
    const raw = await api.deps.db.pool.query("SELECT row_to_json(k)::text AS j FROM api_keys k WHERE id = $1", [id]);
    assert.ok(!String(raw.rows[0].j).includes(key.slice(16)), "no column holds the key");
  });

  it("revokes a key: 204, then 401 at once, and the listing shows when", async () => {
    const { key, id } = (
      await api.request("POST", "/api/keys", { body: { name: "temp", scopes: ["read"] }, headers: admin })
    ).body;
    const h = { authorization: `Bearer ${key}` };
    assert.equal((await api.request("GET", "/api/workflows", { headers: h })).status, 200);
    const revoked = await api.request("DELETE", `/api/keys/${id}`, { headers: admin });
    assert.equal(revoked.status, 204);
    assert.equal((await api.request("GET", "/api/workflows", { headers: h })).status, 401);
    const listed = (await api.request("GET", "/api/keys", { headers: admin })).body;
    assert.notEqual(listed.find((k: { id: string }) => k.id === id).revoked_at, null);
    assert.equal((await api.request("DELETE", `/api/keys/${id}`, { headers: admin })).status, 204, "idempotent");
  });

  it("answers 404 for an unknown key and 422 for a bad body", async () => {
    assert.equal(
      (await api.request("DELETE", "/api/keys/00000000-0000-0000-0000-000000000000", { headers: admin })).status,
      404,
    );
    assert.equal((await api.request("DELETE", "/api/keys/not-a-uuid", { headers: admin })).status, 404);
    for (const body of [
      {},
      { name: "x" },
      { name: "x", scopes: [] },
      { name: "x", scopes: ["root"] },
      { name: "", scopes: ["read"] },
      { name: "x", scopes: ["read"], extra: 1 },
    ]) {
      const res = await api.request("POST", "/api/keys", { body, headers: admin });
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.ok(Array.isArray(res.body.detail));
    }
  });

  it("records when a key was last used, at most once a minute", async () => {
    const { key, id } = (
      await api.request("POST", "/api/keys", { body: { name: "used", scopes: ["read"] }, headers: admin })
    ).body;
    assert.equal(
      (await api.request("GET", "/api/workflows", { headers: { authorization: `Bearer ${key}` } })).status,
      200,
    );
    const first = await eventually(
      async () => (await api.deps.db.apiKey.findUniqueOrThrow({ where: { id } })).lastUsedAt ?? undefined,
      20_000,
      "last_used_at",
    );
    assert.ok(first instanceof Date);
    // Pretend the last write was long ago: another process (no in-memory memo) moves it forward again.
    await api.deps.db.pool.query("UPDATE api_keys SET last_used_at = now() - interval '2 minutes' WHERE id = $1", [id]);
    const other = await startTestApi({ AUTH_MODE: "required", DATABASE_URL: api.deps.env.DATABASE_URL! });
    try {
      assert.equal(
        (await other.request("GET", "/api/workflows", { headers: { authorization: `Bearer ${key}` } })).status,
        200,
      );
      const moved = await eventually(
        async () => {
          const row = await api.deps.db.apiKey.findUniqueOrThrow({ where: { id } });
          return row.lastUsedAt !== null && row.lastUsedAt.getTime() > Date.now() - 60_000 ? row.lastUsedAt : undefined;
        },
        20_000,
        "last_used_at to move",
      );
      assert.ok(moved.getTime() >= first.getTime() - 120_000);
    } finally {
      await other.close();
    }
    const listed = (await api.request("GET", "/api/keys", { headers: admin })).body;
    assert.notEqual(listed.find((k: { id: string }) => k.id === id).last_used_at, null);
  });
});
