import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startTestApi, type TestApi } from "./testing/start-api";

describe("workflow flow control API", () => {
  let api: TestApi;
  const concurrency = "/api/workflows/limited/concurrency";
  before(async () => {
    api = await startTestApi();
    await api.deps.db.workflow.create({ data: { name: "Limited", handle: "limited" } });
  });
  after(async () => {
    await api.close();
  });

  it("answers no limits for a workflow without any", async () => {
    const res = await api.request("GET", concurrency);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { max_running: null, key: null, max_running_per_key: null });
  });

  it("stores limits, replaces them on the next PUT and removes them with an empty body", async () => {
    const limits = { max_running: 5, key: "input.body.customer_id", max_running_per_key: 1 };
    const put = await api.request("PUT", concurrency, { body: limits });
    assert.equal(put.status, 200);
    assert.deepEqual(put.body, limits);
    assert.deepEqual((await api.request("GET", concurrency)).body, limits);
    await api.request("PUT", concurrency, { body: { max_running: 2 } });
    assert.deepEqual((await api.request("GET", concurrency)).body, {
      max_running: 2,
      key: null,
      max_running_per_key: null,
    });
    await api.request("PUT", concurrency, { body: {} });
    assert.deepEqual((await api.request("GET", concurrency)).body, {
      max_running: null,
      key: null,
      max_running_per_key: null,
    });
  });

  it("refuses bad limits with 422 naming the field", async () => {
    const cases: [unknown, string][] = [
      [{ max_running: 0 }, "max_running"],
      [{ max_running: 1.5 }, "max_running"],
      [{ key: "input.(", max_running_per_key: 1 }, "key"],
      [{ key: "input.customer" }, "max_running_per_key"],
      [{ max_running_per_key: 1 }, "key"],
      [{ max_running_per_key: 0, key: "input.customer" }, "max_running_per_key"],
      [{ limit: 1 }, "limit"],
    ];
    for (const [body, field] of cases) {
      const res = await api.request("PUT", concurrency, { body });
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.ok(JSON.stringify(res.body).includes(field), `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
    }
  });

  it("stores a start rate limit, answers null without one and refuses bad ones with 422 naming the field", async () => {
    const path = "/api/workflows/limited/rate-limit";
    assert.equal((await api.request("GET", path)).body, null);
    const put = await api.request("PUT", path, { body: { limit: 10, interval_seconds: 60, key: "input.customer" } });
    assert.equal(put.status, 200);
    assert.deepEqual(put.body, { limit: 10, interval_seconds: 60, key: "input.customer" });
    assert.deepEqual((await api.request("GET", path)).body, put.body);
    const cases: [unknown, string][] = [
      [{ limit: 0, interval_seconds: 1 }, "limit"],
      [{ limit: 1, interval_seconds: 0 }, "interval_seconds"],
      [{ limit: 1 }, "interval_seconds"],
      [{ limit: 1, interval_seconds: 1, key: "$$$(" }, "key"],
      [{ limit: 1, interval_seconds: 1, per: "x" }, "per"],
    ];
    for (const [body, field] of cases) {
      const res = await api.request("PUT", path, { body });
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.ok(JSON.stringify(res.body).includes(field), `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
    }
    const removed = await api.request("PUT", path, { body: {} });
    assert.equal(removed.status, 200);
    assert.equal(removed.body, null);
    assert.equal((await api.request("GET", path)).body, null);
  });

  it("answers 404 for an unknown workflow", async () => {
    assert.equal((await api.request("GET", "/api/workflows/nope/concurrency")).status, 404);
    assert.equal((await api.request("PUT", "/api/workflows/nope/concurrency", { body: {} })).status, 404);
  });

  it("shows a pending run's blocked_by in its JSON", async () => {
    const workflow = await api.deps.db.workflow.findUniqueOrThrow({ where: { handle: "limited" } });
    const version = await api.deps.db.workflowVersion.create({
      data: { workflowId: workflow.id, version: 1, graph: { nodes: [], edges: [] } },
    });
    const run = await api.deps.db.run.create({
      data: {
        workflowId: workflow.id,
        workflowVersionId: version.id,
        triggeredBy: "test",
        blockedBy: "concurrency",
        concurrencyKey: '"a"',
      },
    });
    const res = await api.request("GET", `/api/runs/${run.id}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.blocked_by, "concurrency");
    const list = await api.request("GET", `/api/workflows/limited/runs`);
    assert.equal(list.status, 200);
    const listed = (Array.isArray(list.body) ? list.body : (list.body.items ?? list.body.runs)) as { id: string }[];
    assert.equal(
      (listed.find((r) => r.id === run.id) as { blocked_by?: unknown } | undefined)?.blocked_by,
      "concurrency",
    );
  });
});
