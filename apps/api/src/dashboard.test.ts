import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startTestApi, type TestApi } from "./testing/start-api";

const GRAPH = { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] };
const BASIC = `Basic ${Buffer.from("ops:s3cret").toString("base64")}`;
const WRITE = { authorization: BASIC, "x-requested-with": "switchyard-dashboard" };

describe("the /admin dashboard", () => {
  let api: TestApi;
  let workflowId = "";
  let versionId = "";
  before(async () => {
    api = await startTestApi({
      ADMIN_USERNAME: "ops",
      ADMIN_PASSWORD: "s3cret",
      AUTH_MODE: "required",
      API_TOKENS: "tok",
    });
    const bearer = { authorization: "Bearer tok" };
    workflowId = (await api.request("POST", "/api/workflows", { body: { name: "dash" }, headers: bearer })).body.id;
    versionId = (
      await api.request("POST", `/api/workflows/${workflowId}/versions`, { body: { graph: GRAPH }, headers: bearer })
    ).body.id;
  });
  after(async () => {
    await api.close();
  });

  const pendingRun = async (input: unknown = { n: 1 }) => {
    const res = await api.request("POST", `/api/workflows/${workflowId}/runs`, {
      body: { workflow_version_id: versionId, triggered_by: "test", input_payload: input },
      headers: { authorization: "Bearer tok" },
    });
    assert.equal(res.status, 201, res.text);
    return res.body.id as string;
  };

  it("asks for the admin credentials, like Bull Board", async () => {
    for (const path of ["/admin", "/admin/", "/admin/assets/app.js", "/admin/api/runs"]) {
      const res = await api.request("GET", path);
      assert.equal(res.status, 401, path);
      assert.match(res.headers.get("www-authenticate") ?? "", /^Basic/);
    }
    assert.equal(
      (await api.request("GET", "/admin/api/runs", { headers: { authorization: "Bearer not-a-known-token" } })).status,
      401,
    );
  });

  it("serves the page, its modules and the vendored Preact and htm under the strict policy", async () => {
    const page = await api.request("GET", "/admin", { headers: { authorization: BASIC } });
    assert.equal(page.status, 200);
    assert.match(page.text, /<script type="module" src="\/admin\/assets\/app.js"><\/script>/);
    const csp = page.headers.get("content-security-policy") ?? "";
    assert.match(csp, /script-src 'self'(;|$)/);
    for (const path of ["/admin/assets/app.js", "/admin/vendor/preact/preact.mjs", "/admin/vendor/htm/htm.mjs"]) {
      const res = await api.request("GET", path, { headers: { authorization: BASIC } });
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get("content-type") ?? "", /javascript/, path);
    }
  });

  it("reads through the API's own routes with the admin credentials", async () => {
    const runId = await pendingRun();
    const runs = await api.request("GET", `/admin/api/runs?workflow=${workflowId}`, {
      headers: { authorization: BASIC },
    });
    assert.equal(runs.status, 200);
    assert.ok(runs.body.some((r: { id: string }) => r.id === runId));
    const bad = await api.request("GET", "/admin/api/runs?status=nope", { headers: { authorization: BASIC } });
    assert.equal(bad.status, 422);
    const workers = await api.request("GET", "/admin/api/system/workers", { headers: { authorization: BASIC } });
    assert.equal(workers.status, 200);
    assert.deepEqual(workers.body, { workers: [] });
  });

  it("refuses state changes without X-Requested-With or from another site", async () => {
    const runId = await pendingRun();
    const plain = await api.request("POST", `/admin/api/runs/${runId}/cancel`, {
      body: {},
      headers: { authorization: BASIC },
    });
    assert.equal(plain.status, 403);
    const crossSite = await api.request("POST", `/admin/api/runs/${runId}/cancel`, {
      body: {},
      headers: { ...WRITE, "sec-fetch-site": "cross-site" },
    });
    assert.equal(crossSite.status, 403);
    const otherOrigin = await api.request("POST", `/admin/api/runs/${runId}/cancel`, {
      body: {},
      headers: { ...WRITE, origin: "https://evil.example" },
    });
    assert.equal(otherOrigin.status, 403);
    assert.equal((await api.deps.db.run.findUniqueOrThrow({ where: { id: runId } })).status, "pending");
  });

  it("offers only its own actions: the API's caller-driven transitions stay behind the API token", async () => {
    const runId = await pendingRun();
    const start = await api.request("POST", `/admin/api/runs/${runId}/start`, { body: {}, headers: WRITE });
    assert.equal(start.status, 404);
    assert.equal((await api.deps.db.run.findUniqueOrThrow({ where: { id: runId } })).status, "pending");
  });

  it("cancels, retries and re-runs with edited input, auditing the signed-in principal", async () => {
    const runId = await pendingRun({ order: "o-1" });
    const cancelled = await api.request("POST", `/admin/api/runs/${runId}/cancel`, {
      body: { reason: "stuck" },
      headers: WRITE,
    });
    assert.equal(cancelled.status, 200, cancelled.text);
    assert.deepEqual([cancelled.body.status, cancelled.body.error], ["cancelled", "stuck"]);
    const entry = cancelled.body.audit_log.at(-1);
    assert.deepEqual([entry.actor, entry.action, entry.metadata], ["admin:ops", "run_cancelled", { reason: "stuck" }]);
    const again = await api.request("POST", `/admin/api/runs/${runId}/cancel`, { body: {}, headers: WRITE });
    assert.equal(again.status, 409);

    const retried = await api.request("POST", `/admin/api/runs/${runId}/retry`, { body: {}, headers: WRITE });
    assert.equal(retried.status, 201, retried.text);
    assert.equal(retried.body.retry_of, runId);
    assert.deepEqual(retried.body.audit_log[0], {
      ...retried.body.audit_log[0],
      actor: "admin:ops",
      action: "run_created",
    });

    const rerun = await api.request("POST", `/admin/api/runs/${runId}/rerun`, {
      body: { input_payload: { order: "o-2" } },
      headers: WRITE,
    });
    assert.equal(rerun.status, 201, rerun.text);
    assert.deepEqual(rerun.body.input_payload, { order: "o-2" });
    assert.equal(rerun.body.workflow_version_id, versionId);
    assert.equal(rerun.body.audit_log[0].actor, "admin:ops");

    const badInput = await api.request("POST", `/admin/api/runs/${runId}/rerun`, {
      body: { input_payload: [1] },
      headers: WRITE,
    });
    assert.equal(badInput.status, 422);
    const unknown = await api.request("POST", "/admin/api/runs/00000000-0000-4000-8000-000000000000/cancel", {
      body: {},
      headers: WRITE,
    });
    assert.equal(unknown.status, 404);
  });

  it("links Bull Board back to the dashboard", async () => {
    const board = await api.request("GET", "/admin/queues", { headers: { authorization: BASIC } });
    assert.equal(board.status, 200);
    assert.match(board.text, /Runs dashboard/);
  });
});
