import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startTestApi, type TestApi } from "./testing/start-api";

const GRAPH = { nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [] };

/** Deliveries are served before Express (routes/webhook-fast-path.ts): they answer as any other route does. */
describe("webhook deliveries outside Express", () => {
  let api: TestApi;
  let workflowId: string;
  before(async () => {
    api = await startTestApi();
    const workflow = await api.deps.db.workflow.create({ data: { name: "fast", handle: "fast" } });
    await api.deps.db.workflowVersion.create({ data: { workflowId: workflow.id, version: 1, graph: GRAPH } });
    workflowId = workflow.id;
  });
  after(async () => {
    await api.close();
  });

  const SECURITY_HEADERS = [
    "content-security-policy",
    "cross-origin-opener-policy",
    "cross-origin-resource-policy",
    "origin-agent-cluster",
    "referrer-policy",
    "strict-transport-security",
    "x-content-type-options",
    "x-dns-prefetch-control",
    "x-download-options",
    "x-frame-options",
    "x-permitted-cross-domain-policies",
    "x-xss-protection",
  ];
  const securityHeaders = (headers: Headers) => SECURITY_HEADERS.map((name) => [name, headers.get(name)]);

  it("answers with the headers of any API route: helmet's, the request id, JSON", async () => {
    const route = await api.request("GET", "/healthz");
    const res = await api.request("POST", "/api/workflows/fast/triggers/webhook", {
      body: { a: 1 },
      headers: { "x-request-id": "delivery-1" },
    });
    assert.equal(res.status, 202, res.text);
    assert.deepEqual(securityHeaders(res.headers), securityHeaders(route.headers));
    assert.ok(securityHeaders(res.headers).every(([, value]) => value !== null));
    assert.equal(res.headers.get("x-request-id"), "delivery-1");
    assert.equal(res.headers.get("content-type"), "application/json; charset=utf-8");
    assert.equal(res.headers.get("content-length"), String(Buffer.byteLength(res.text)));
    assert.equal(res.headers.get("x-powered-by"), null);
    assert.equal(res.body.workflow_id, workflowId);
    assert.equal(res.body.input_payload.source_ip, "127.0.0.1");
  });

  it("matches the route as Express does: any case, a trailing slash, the UUID, a percent-encoded ref", async () => {
    for (const path of [
      "/API/Workflows/fast/Triggers/Webhook",
      "/api/workflows/fast/triggers/webhook/",
      `/api/workflows/${workflowId.toUpperCase()}/triggers/webhook`,
      "/api/workflows/%66ast/triggers/webhook?x=1&x=2&y",
    ]) {
      const res = await api.request("POST", path, { body: {} });
      assert.equal(res.status, 202, `${path}: ${res.text}`);
      assert.equal(res.body.workflow_id, workflowId);
    }
    const res = await api.request("POST", "/api/workflows/fast/triggers/webhook?x=1&x=2&y", { body: {} });
    assert.deepEqual(res.body.input_payload.query_params, { x: "1", y: "" });
  });

  it("renders a refused delivery through the error middleware, with its request id and headers", async () => {
    const missing = await api.request("POST", "/api/workflows/nothing/triggers/webhook", {
      body: {},
      headers: { "x-request-id": "delivery-2" },
    });
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { detail: "Workflow not found" });
    assert.equal(missing.headers.get("x-request-id"), "delivery-2");
    assert.equal(missing.headers.get("x-content-type-options"), "nosniff");

    const head = await api.request("HEAD", "/api/workflows/fast/triggers/webhook");
    assert.equal(head.status, 405);
    assert.equal(head.headers.get("allow"), "GET, POST");
    assert.equal(head.text, "");

    const tooLarge = await api.request("POST", "/api/workflows/fast/triggers/webhook", { raw: "x".repeat(1_048_577) });
    assert.equal(tooLarge.status, 413);
    assert.deepEqual(tooLarge.body, { detail: "Request body too large" });
  });

  it("leaves the URLs Express refuses to Express", async () => {
    const nul = await api.request("POST", "/api/workflows/fast/triggers/webhook?a=%00", { body: {} });
    assert.equal(nul.status, 400);
    assert.deepEqual(nul.body, { detail: "NUL characters are not allowed in the query string" });
    const badParam = await api.request("POST", "/api/workflows/%E0%A4%A/triggers/webhook", { body: {} });
    assert.equal(badParam.status, 400);
    assert.match(badParam.body.detail, /Failed to decode param/);
    assert.match(badParam.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
    const options = await api.request("OPTIONS", "/api/workflows/fast/triggers/webhook");
    assert.equal(options.status, 404);
  });
});

describe("webhook deliveries behind a trusted proxy", () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi({ TRUST_PROXY: "true" });
    const workflow = await api.deps.db.workflow.create({ data: { name: "proxied", handle: "proxied" } });
    await api.deps.db.workflowVersion.create({ data: { workflowId: workflow.id, version: 1, graph: GRAPH } });
  });
  after(async () => {
    await api.close();
  });

  it("records the client address from X-Forwarded-For as Express's req.ip reads it", async () => {
    const res = await api.request("POST", "/api/workflows/proxied/triggers/webhook", {
      body: {},
      headers: { "x-forwarded-for": "203.0.113.7, 10.0.0.2" },
    });
    assert.equal(res.status, 202, res.text);
    assert.equal(res.body.input_payload.source_ip, "203.0.113.7");
  });
});
