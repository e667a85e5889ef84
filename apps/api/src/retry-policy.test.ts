import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startTestApi, type TestApi } from "./testing/start-api";

describe("workflow retry policy API", () => {
  let api: TestApi;
  const path = "/api/workflows/retrying/retry-policy";
  before(async () => {
    api = await startTestApi();
    await api.deps.db.workflow.create({ data: { name: "Retrying", handle: "retrying" } });
  });
  after(async () => {
    await api.close();
  });

  it("answers a single attempt for a workflow without a policy", async () => {
    const res = await api.request("GET", path);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, {
      max_attempts: 1,
      initial_delay_seconds: 1,
      backoff_factor: 2,
      max_delay_seconds: 300,
      jitter_factor: 0,
    });
  });

  it("stores a policy and fills omitted fields with their defaults", async () => {
    const put = await api.request("PUT", path, { body: { max_attempts: 3, initial_delay_seconds: 0.5 } });
    assert.equal(put.status, 200);
    assert.equal(put.body.max_attempts, 3);
    assert.equal(put.body.backoff_factor, 2);
    const get = await api.request("GET", path);
    assert.deepEqual(get.body, put.body);
  });

  it("refuses bad values and unknown fields with 422", async () => {
    for (const body of [
      { max_attempts: 0 },
      { max_attempts: 1.5 },
      { jitter_factor: 2 },
      { backoff_factor: 0.5 },
      { nope: 1 },
    ]) {
      const res = await api.request("PUT", path, { body });
      assert.equal(res.status, 422, JSON.stringify(body));
    }
  });

  it("answers 404 for an unknown workflow", async () => {
    assert.equal((await api.request("GET", "/api/workflows/missing/retry-policy")).status, 404);
    assert.equal((await api.request("PUT", "/api/workflows/missing/retry-policy", { body: {} })).status, 404);
  });
});
