import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, parseConfig } from "./config";

describe("parseConfig", () => {
  it("applies safe development defaults", () => {
    const c = parseConfig({});
    assert.equal(c.PORT, 8000);
    assert.equal(c.HOST, "127.0.0.1");
    assert.equal(c.AUTH_MODE, "disabled");
    assert.equal(c.CRON_DISPATCH_INTERVAL, 5);
    assert.equal(c.RECONCILE_AFTER_SECONDS, 10);
    assert.deepEqual(c.API_TOKENS, []);
  });

  it("splits API_TOKENS on commas and treats empty values as unset", () => {
    const c = parseConfig({ API_TOKENS: " a, b ,,", PORT: "" });
    assert.deepEqual(c.API_TOKENS, ["a", "b"]);
    assert.equal(c.PORT, 8000);
  });

  it("names every bad variable in one error", () => {
    assert.throws(
      () => parseConfig({ PORT: "eighty", AUTH_MODE: "maybe", WORKER_CONCURRENCY: "0", REDIS_URL: "http://x" }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        for (const name of ["PORT", "AUTH_MODE", "WORKER_CONCURRENCY", "REDIS_URL"]) assert.match(err.message, new RegExp(name));
        return true;
      },
    );
  });

  it("accepts AUTH_MODE=required without API_TOKENS (keys in Postgres) and wants admin credentials in pairs", () => {
    assert.deepEqual(parseConfig({ AUTH_MODE: "required" }).API_TOKENS, []);
    assert.throws(() => parseConfig({ ADMIN_USERNAME: "a" }), /ADMIN_PASSWORD/);
    assert.throws(() => parseConfig({ TRUST_PROXY: "yes please" }), /TRUST_PROXY/);
  });

  it("has no default SECRET_KEY, wants 32 characters, and a SECRET_KEY beside SECRET_KEY_PREVIOUS", () => {
    const c = parseConfig({});
    assert.equal(c.SECRET_KEY, undefined);
    assert.equal(c.MANAGEMENT_RATE_LIMIT_PER_MINUTE, 1200);
    assert.throws(() => parseConfig({ SECRET_KEY: "short" }), /SECRET_KEY: must be at least 32/);
    assert.throws(() => parseConfig({ SECRET_KEY_PREVIOUS: "p".repeat(32) }), /SECRET_KEY: must be set/);
    assert.equal(parseConfig({ SECRET_KEY: "k".repeat(32) }).SECRET_KEY, "k".repeat(32));
  });
});
