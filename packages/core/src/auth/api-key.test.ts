import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  actorOf,
  generateApiKey,
  hashApiKey,
  hasScope,
  isApiKeyFormat,
  normaliseScopes,
  parseApiKeyPrefix,
  safeEqual,
} from "./api-key";

describe("api keys", () => {
  it("generates distinct keys in the sy_<prefix>_<secret> format with their SHA-256", () => {
    const a = generateApiKey();
    const b = generateApiKey();
    assert.notEqual(a.key, b.key);
    assert.ok(isApiKeyFormat(a.key));
    assert.equal(parseApiKeyPrefix(a.key), a.prefix);
    assert.equal(a.hash, hashApiKey(a.key));
    assert.match(a.hash, /^[0-9a-f]{64}$/);
  });

  it("refuses other strings as keys", () => {
    for (const s of [
      "",
      "tok",
      "sy_abc_def",
      `sy_${"0".repeat(12)}_${"A".repeat(42)}`,
      `sy_${"G".repeat(12)}_${"A".repeat(43)}`,
    ]) {
      assert.equal(parseApiKeyPrefix(s), null, s);
    }
  });

  it("orders scopes admin > trigger > read", () => {
    assert.ok(hasScope(["admin"], "read") && hasScope(["admin"], "trigger") && hasScope(["admin"], "admin"));
    assert.ok(hasScope(["trigger"], "read") && hasScope(["trigger"], "trigger") && !hasScope(["trigger"], "admin"));
    assert.ok(hasScope(["read"], "read") && !hasScope(["read"], "trigger"));
    assert.ok(!hasScope([], "read"));
    assert.deepEqual(normaliseScopes(["read", "admin", "read"]), ["admin", "read"]);
  });

  it("compares strings of any lengths", () => {
    assert.ok(safeEqual("abc", "abc"));
    assert.ok(!safeEqual("abc", "abcd") && !safeEqual("", "a"));
  });

  it("names the actor of a stored key by its id", () => {
    assert.equal(actorOf({ id: "k1", name: "ops", scopes: ["admin"], source: "api_key" }), "api_key:k1");
    assert.equal(
      actorOf({ id: "admin:root", name: "root", scopes: ["admin"], source: "admin_password" }),
      "admin:root",
    );
  });
});
