import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { startTestApi, type TestApi } from "./testing/start-api";

describe("bad input", () => {
  let api: TestApi;
  let handle: string;
  before(async () => {
    api = await startTestApi();
    const workflow = await api.deps.db.workflow.create({ data: { name: "bad input", handle: "bad-input" } });
    await api.deps.db.workflowVersion.create({
      data: { workflowId: workflow.id, version: 1, graph: { nodes: [], edges: [] } },
    });
    handle = workflow.handle!;
  });
  after(() => api.close());

  it("answers 400 for a path parameter that is not valid percent-encoding", async () => {
    const res = await api.request("GET", `/api/workflows/${handle}/versions/%E0%A4%A`);
    assert.equal(res.status, 400);
    assert.equal(typeof res.body.detail, "string");
  });

  it("answers 400 for a NUL character in the query, 404 for one in a path parameter", async () => {
    assert.equal((await api.request("GET", `/api/workflows/${handle}/runs?triggered_by=a%00b`)).status, 400);
    assert.equal(
      (await api.request("POST", `/api/workflows/${handle}/triggers/webhook?x=%00`, { body: {} })).status,
      400,
    );
    assert.equal((await api.request("POST", "/api/workflows/a%00b/triggers/webhook", { body: {} })).status, 404);
    const run = await api.request("POST", `/api/workflows/${handle}/triggers/webhook`, { body: {} });
    const signal = await api.request("POST", `/api/runs/${run.body.id}/signals/a%00b`, { body: {} });
    assert.equal(signal.status, 409);
  });

  it("answers 404 for a version number past Postgres's int range", async () => {
    assert.equal((await api.request("GET", `/api/workflows/${handle}/versions/999999999999`)).status, 404);
  });

  it("answers 422 for JSON nested deeper than the limit, and keeps a deep webhook body as raw text", async () => {
    const deep = `${"[".repeat(300)}${"]".repeat(300)}`;
    const res = await api.request("POST", "/api/workflows", {
      raw: deep,
      headers: { "content-type": "application/json" },
    });
    assert.equal(res.status, 422);
    assert.deepEqual(res.body.detail[0].type, "json_too_deep");
    const hook = await api.request("POST", `/api/workflows/${handle}/triggers/webhook`, {
      raw: `${"[".repeat(20_000)}${"]".repeat(20_000)}`,
      headers: { "content-type": "application/json" },
    });
    assert.equal(hook.status, 202);
    assert.equal(typeof hook.body.input_payload.body.raw, "string");
  });

  it("stores a webhook body with a lone surrogate escape, replaced by U+FFFD", async () => {
    const res = await api.request("POST", `/api/workflows/${handle}/triggers/webhook`, {
      raw: '{"a":"x\\udc9fy"}',
      headers: { "content-type": "application/json" },
    });
    assert.equal(res.status, 202);
    assert.deepEqual(res.body.input_payload.body, { a: "x\uFFFDy" });
  });

  it("answers a refused body it did not read instead of resetting the connection", async () => {
    const url = new URL(api.url);
    const body = Buffer.alloc(500_000, 0x61);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method: "POST",
          path: "/api/workflows",
          headers: {
            "content-type": "application/json; charset=no-such-charset",
            "content-length": String(body.length),
          },
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
    assert.equal(status, 415);
  });
});
