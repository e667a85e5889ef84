import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createTestDeps, type TestDeps } from "../testing/test-deps";
import { createApiKey, revokeApiKey, touchApiKey } from "./api-key-store";
import { createAuthenticator } from "./authenticator";

describe("authenticator", () => {
  let deps: TestDeps;
  before(async () => {
    deps = await createTestDeps({ API_TOKENS: "static-one" });
  });
  after(async () => {
    await deps.close();
  });

  it("makes API_TOKENS admin principals and stored keys principals with their scopes", async () => {
    const auth = createAuthenticator(deps);
    const token = await auth.authenticate("static-one");
    assert.deepEqual(token?.scopes, ["admin"]);
    assert.equal(token?.source, "api_token");
    const { key, info } = await createApiKey(deps.db, { name: "reader", scopes: ["read"], createdBy: "test" });
    const principal = await auth.authenticate(key);
    assert.deepEqual(principal, { id: info.id, name: "reader", scopes: ["read"], source: "api_key" });
    assert.equal(await auth.authenticate("static-two"), null);
    assert.equal(
      await auth.authenticate(key.slice(0, -1) + (key.endsWith("A") ? "B" : "A")),
      null,
      "same prefix, wrong secret",
    );
    await auth.settled();
  });

  it("refuses a revoked key at once after forget, and within the cache TTL in another process", async () => {
    const here = createAuthenticator(deps);
    const elsewhere = createAuthenticator(deps);
    const { key, info } = await createApiKey(deps.db, { name: "soon-gone", scopes: ["admin"], createdBy: "test" });
    assert.notEqual(await here.authenticate(key), null);
    assert.notEqual(await elsewhere.authenticate(key), null);
    assert.ok(await revokeApiKey(deps.db, info.id));
    here.forget(info.id);
    assert.equal(await here.authenticate(key), null);
    assert.notEqual(await elsewhere.authenticate(key), null, "still cached there (up to API_KEY_CACHE_SECONDS)");
    assert.equal(await createAuthenticator(deps).authenticate(key), null, "a fresh lookup sees the revocation");
    await Promise.all([here.settled(), elsewhere.settled()]);
  });

  it("writes last_used_at at most once a minute per key, whichever process tries", async () => {
    const { info } = await createApiKey(deps.db, { name: "touch", scopes: ["read"], createdBy: "test" });
    await touchApiKey(deps.db, info.id);
    const first = (await deps.db.apiKey.findUniqueOrThrow({ where: { id: info.id } })).lastUsedAt;
    assert.ok(first !== null);
    await touchApiKey(deps.db, info.id);
    const second = (await deps.db.apiKey.findUniqueOrThrow({ where: { id: info.id } })).lastUsedAt;
    assert.deepEqual(second, first, "a second touch within the minute writes nothing");
  });
});
