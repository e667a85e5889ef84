import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { startPrivateRedis, type PrivateRedis } from "@switchyard/core/testing/private-redis";
import { startTestApi, type TestApi } from "./testing/start-api";

describe("management rate limit", () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi({
      AUTH_MODE: "required",
      API_TOKENS: "tok-a,tok-b",
      MANAGEMENT_RATE_LIMIT_PER_MINUTE: "3",
    });
  });
  after(async () => {
    await api.close();
  });

  it("answers 429 with Retry-After past the limit, per key, and leaves webhooks and probes alone", async () => {
    const a = { authorization: "Bearer tok-a" };
    for (let i = 0; i < 3; i++) assert.equal((await api.request("GET", "/api/workflows", { headers: a })).status, 200);
    const limited = await api.request("GET", "/api/workflows", { headers: a });
    assert.equal(limited.status, 429);
    assert.deepEqual(limited.body, { detail: "Rate limit exceeded: 3 requests per minute per API key" });
    const retryAfter = Number(limited.headers.get("retry-after"));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, String(retryAfter));
    assert.equal(
      (await api.request("POST", "/api/keys", { body: { name: "x", scopes: ["read"] }, headers: a })).status,
      429,
    );

    assert.equal(
      (await api.request("GET", "/api/workflows", { headers: { authorization: "Bearer tok-b" } })).status,
      200,
    );
    for (let i = 0; i < 5; i++) {
      assert.equal((await api.request("GET", "/api/system/health")).status, 200);
      assert.equal((await api.request("POST", "/api/workflows/nope/triggers/webhook", { body: {} })).status, 404);
    }
  });
});

describe("management rate limit with Redis down", () => {
  let redis: PrivateRedis;
  let api: TestApi;
  before(async () => {
    redis = await startPrivateRedis();
    api = await startTestApi({
      AUTH_MODE: "required",
      API_TOKENS: "tok",
      MANAGEMENT_RATE_LIMIT_PER_MINUTE: "1",
      REDIS_URL: redis.url,
    });
  });
  after(async () => {
    await redis.restart();
    // close() cleans the test's keys up: wait for the connection to come back first.
    if (api.deps.redis.status !== "ready") await once(api.deps.redis, "ready");
    await api.close();
    await redis.stop();
  });

  it("fails open: management routes keep answering", async () => {
    const h = { authorization: "Bearer tok" };
    assert.equal((await api.request("GET", "/api/workflows", { headers: h })).status, 200);
    assert.equal((await api.request("GET", "/api/workflows", { headers: h })).status, 429);
    await redis.kill();
    for (let i = 0; i < 3; i++) assert.equal((await api.request("GET", "/api/workflows", { headers: h })).status, 200);
  });
});
