import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { spawnService } from "@switchyard/core/testing/service-process";
import { startTestApi, type TestApi } from "./testing/start-api";

const auth = { authorization: `Basic ${Buffer.from("admin:s3cret").toString("base64")}` };

describe("security headers and request ids", () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi({ ADMIN_USERNAME: "admin", ADMIN_PASSWORD: "s3cret" });
  });
  after(async () => {
    await api.close();
  });

  test("API responses carry helmet's headers with a strict content security policy", async () => {
    const res = await api.request("GET", "/api/workflows");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("x-frame-options"), "SAMEORIGIN");
    assert.ok(res.headers.get("strict-transport-security"));
    const csp = res.headers.get("content-security-policy") ?? "";
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/);
  });

  test("the Bull Board page has security headers and a policy that lets its UI run", async () => {
    const page = await api.request("GET", "/admin/queues", { headers: auth });
    assert.equal(page.status, 200);
    assert.equal(page.headers.get("x-content-type-options"), "nosniff");
    assert.match(page.headers.get("content-security-policy") ?? "", /script-src 'self' 'unsafe-inline'/);
    const queues = await api.request("GET", "/admin/queues/api/queues", { headers: auth });
    assert.equal(queues.status, 200);
    assert.equal(queues.headers.get("x-content-type-options"), "nosniff");
  });

  test("a sane incoming X-Request-Id is echoed", async () => {
    const res = await api.request("GET", "/api/workflows", { headers: { "x-request-id": "abc-123_x.y" } });
    assert.equal(res.headers.get("x-request-id"), "abc-123_x.y");
  });

  test("a missing or unsafe X-Request-Id is replaced by a generated one", async () => {
    const none = await api.request("GET", "/api/workflows");
    assert.match(none.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
    for (const bad of ["a b", "x".repeat(129), "<script>", "a;b=c"]) {
      const res = await api.request("GET", "/healthz", { headers: { "x-request-id": bad } });
      const id = res.headers.get("x-request-id") ?? "";
      assert.match(id, /^[0-9a-f-]{36}$/, `replaces ${JSON.stringify(bad)}`);
    }
  });
});

test("the error middleware logs the request id", async (t) => {
  const api = await startTestApi();
  const proc = spawnService("api", { ...api.deps.env, PORT: "0", LOG_LEVEL: "info" });
  t.after(async () => {
    await proc.stop();
    await api.close();
  });
  const listening = await proc.waitForLog((l) => l.message === "api listening");
  const res = await fetch(`http://127.0.0.1:${String(listening.port)}/api/no-such-route`, {
    headers: { "x-request-id": "trace-me-42" },
  });
  assert.equal(res.status, 404);
  assert.equal(res.headers.get("x-request-id"), "trace-me-42");
  const line = await proc.waitForLog((l) => l.message === "request rejected" && l.requestId === "trace-me-42");
  assert.equal(line.status, 404);
});
