import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { requestCronDispatch } from "@switchyard/core/beat/request-cron-dispatch";
import { startPrivateRedis, type PrivateRedis } from "@switchyard/core/testing/private-redis";
import { startTestApi, type TestApi } from "./testing/start-api";

describe("management rate limit", () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi({
      AUTH_MODE: "required",
      API_TOKENS: "tok-a,tok-b,tok-beat",
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

  it("keeps the beat's cron dispatch out of reach of a client at its limit on the same key, with no bypass", async () => {
    const { db } = api.deps;
    const workflow = await db.workflow.create({ data: { name: "Every minute", handle: "every-minute" } });
    const graph = { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] };
    await db.workflowVersion.create({ data: { workflowId: workflow.id, version: 1, graph } });
    // Due since 00:00 today, every minute: each dispatch has one to fire.
    const midnight = new Date(new Date().toISOString().slice(0, 10));
    await db.cronTrigger.create({
      data: {
        workflowId: workflow.id,
        expression: "* * * * *",
        timezone: "UTC",
        allowOverlapping: true,
        catchup: "all",
        startAt: midnight,
        savedAt: midnight,
      },
    });
    // A client sharing the beat's token spends its budget.
    const shared = { authorization: "Bearer tok-beat" };
    for (let i = 0; i < 3; i++)
      assert.equal((await api.request("GET", "/api/workflows", { headers: shared })).status, 200);
    assert.equal((await api.request("GET", "/api/workflows", { headers: shared })).status, 429);

    // The beat's own call, over HTTP with that token, as its cron_dispatch job makes it: answered, runs created.
    const config = { API_URL: api.url, API_TOKENS: ["tok-beat"] };
    assert.deepEqual(await requestCronDispatch(config, 10_000), { created: 1 });
    assert.deepEqual(await requestCronDispatch(config, 10_000), { created: 1 });
    assert.equal(await db.run.count({ where: { workflowId: workflow.id, triggeredBy: "cron" } }), 2);

    // No bypass: the client is still held everywhere else, and the dispatch's own budget is a limit too.
    assert.equal((await api.request("GET", "/api/workflows", { headers: shared })).status, 429);
    const third = await api.request("POST", "/api/triggers/cron/dispatch", { body: {}, headers: shared });
    assert.equal(third.status, 200);
    const fourth = await api.request("POST", "/api/triggers/cron/dispatch", { body: {}, headers: shared });
    assert.deepEqual(
      [fourth.status, fourth.body],
      [429, { detail: "Rate limit exceeded: 3 cron dispatches per minute per API key" }],
    );
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
