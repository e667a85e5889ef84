import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startTestApi, type TestApi } from "./testing/start-api";

const GRAPH = { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] };

describe("WEBHOOK_DEFAULT_RATE_LIMIT", () => {
  let api: TestApi;
  let unlimited: TestApi;
  before(async () => {
    api = await startTestApi({ WEBHOOK_DEFAULT_RATE_LIMIT: "3/3600" });
    unlimited = await startTestApi({ WEBHOOK_DEFAULT_RATE_LIMIT: "off" });
  });
  after(async () => {
    await api.close();
    await unlimited.close();
  });

  const createWorkflow = async (on: TestApi, handle: string, config?: object) => {
    const wf = await on.request("POST", "/api/workflows", { body: { name: handle, handle } });
    assert.equal(wf.status, 201, wf.text);
    await on.request("POST", `/api/workflows/${handle}/versions`, { body: { graph: GRAPH } });
    if (config !== undefined) {
      const res = await on.request("PUT", `/api/workflows/${handle}/triggers/webhook/config`, { body: config });
      assert.equal(res.status, 200, res.text);
    }
    return wf.body.id as string;
  };
  const deliver = (on: TestApi, handle: string, n: number) =>
    on.request("POST", `/api/workflows/${handle}/triggers/webhook`, { body: { n } });
  const runCount = (on: TestApi, workflowId: string) => on.deps.db.run.count({ where: { workflowId } });

  it("limits a workflow whose config sets no rate_limit, counting each workflow apart", async () => {
    const first = await createWorkflow(api, "no-config");
    const second = await createWorkflow(api, "config-without-limit", { allowed_methods: ["POST"] });
    for (const [handle, workflowId] of [
      ["no-config", first],
      ["config-without-limit", second],
    ] as const) {
      const statuses = [];
      for (let n = 0; n < 5; n++) statuses.push((await deliver(api, handle, n)).status);
      assert.deepEqual(statuses, [202, 202, 202, 429, 429], handle);
      assert.equal(await runCount(api, workflowId), 3);
    }
    const limited = await deliver(api, "no-config", 9);
    assert.deepEqual(limited.body, { detail: "Webhook rate limit exceeded. Limit: 3 requests per 3600 seconds" });
    // The stored config still reads as saved: the default is the platform's, not the workflow's.
    const config = await api.request("GET", "/api/workflows/config-without-limit/triggers/webhook/config");
    assert.equal(config.body.rate_limit, null);
  });

  it("admits exactly the limit out of concurrent deliveries", async () => {
    const workflowId = await createWorkflow(api, "burst");
    const answers = await Promise.all(Array.from({ length: 12 }, (_, n) => deliver(api, "burst", n)));
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [202, 202, 202, ...Array.from({ length: 9 }, () => 429)]);
    assert.equal(await runCount(api, workflowId), 3);
  });

  it("leaves a workflow with a rate_limit of its own to that limit", async () => {
    const workflowId = await createWorkflow(api, "own-limit", { rate_limit: { limit: 6, interval_seconds: 3600 } });
    const statuses = [];
    for (let n = 0; n < 7; n++) statuses.push((await deliver(api, "own-limit", n)).status);
    assert.deepEqual(statuses, [202, 202, 202, 202, 202, 202, 429]);
    assert.equal(await runCount(api, workflowId), 6);
  });

  it("applies no default limit when it is off", async () => {
    const workflowId = await createWorkflow(unlimited, "free");
    const answers = await Promise.all(Array.from({ length: 20 }, (_, n) => deliver(unlimited, "free", n)));
    assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([202]));
    assert.equal(await runCount(unlimited, workflowId), 20);
  });
});
