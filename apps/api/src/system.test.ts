import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startTestApi, type TestApi } from "./testing/start-api";

describe("system endpoints", () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
  });
  after(async () => {
    await api.close();
  });

  it("answers health, liveness and readiness", async () => {
    assert.deepEqual((await api.request("GET", "/api/system/health")).body, { status: "ok" });
    assert.equal((await api.request("GET", "/healthz")).status, 200);
    const ready = await api.request("GET", "/readyz");
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body.checks, { postgres: "ok", redis: "ok" });
  });

  it("answers 404 with a detail for unknown routes", async () => {
    const res = await api.request("GET", "/api/nope");
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, { detail: "Not Found" });
  });
});
