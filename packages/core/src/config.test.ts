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

  it("requires tokens when auth is required and admin credentials in pairs", () => {
    assert.throws(() => parseConfig({ AUTH_MODE: "required" }), /API_TOKENS/);
    assert.throws(() => parseConfig({ ADMIN_USERNAME: "a" }), /ADMIN_PASSWORD/);
    assert.throws(() => parseConfig({ TRUST_PROXY: "yes please" }), /TRUST_PROXY/);
  });

  it("defaults the lease, crash and shutdown settings and keeps the heartbeat within half the lease", () => {
    const c = parseConfig({});
    assert.deepEqual(
      [c.RUN_LEASE_SECONDS, c.RUN_LEASE_HEARTBEAT_SECONDS, c.MAX_CRASH_RECOVERIES, c.WORKER_SHUTDOWN_TIMEOUT],
      [10, 3, 2, 30],
    );
    assert.throws(() => parseConfig({ RUN_LEASE_SECONDS: "4", RUN_LEASE_HEARTBEAT_SECONDS: "3" }), /RUN_LEASE_HEARTBEAT_SECONDS/);
    assert.throws(() => parseConfig({ WORKER_SHUTDOWN_TIMEOUT: "120" }), /WORKER_SHUTDOWN_TIMEOUT/);
  });
});
