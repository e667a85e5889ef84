import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createGate, startTestServer, type TestServer } from "../testing/start-test-server";
import { parseConfig } from "../../config";
import { httpRequestOptionsOf } from "../http/http-request-options";
import { createHttpRequestNode } from "./http-request-node";
import { createTestNodeContext } from "../testing/test-node-context";

const httpRequestNode = createHttpRequestNode(httpRequestOptionsOf(parseConfig({})));

const ctx = createTestNodeContext("h");

const call = (params: Record<string, unknown>, signal = new AbortController().signal) =>
  httpRequestNode.run(httpRequestNode.params.parse(params), ctx, signal) as Promise<{
    status: number;
    headers: Record<string, string>;
    body: unknown;
  }>;

describe("http.request node", () => {
  let server: TestServer;
  const gate = createGate();
  before(async () => {
    server = await startTestServer();
    server.route("/json", () => ({ body: { items: [1, 2] }, headers: { "x-answer": "42" } }));
    server.route("/text", () => ({ body: "plain words", headers: { "content-type": "text/plain" } }));
    server.route("/echo", (req) => ({
      body: {
        method: req.method,
        query: req.query,
        body: req.body,
        type: req.headers["content-type"],
        auth: req.headers.authorization,
      },
    }));
    server.route("/key", (req) => ({ body: { key: req.headers["idempotency-key"] ?? null } }));
    server.route("/missing", () => ({ status: 404, body: { detail: "nope" } }));
    server.route("/created", () => ({ status: 201, body: "" }));
    server.route("/hang", async () => {
      await gate.promise;
      return { body: "late" };
    });
  });
  after(async () => {
    gate.open();
    await server.close();
  });

  it("answers {status, headers, body} with a JSON body parsed", async () => {
    const res = await call({ url: `${server.url}/json` });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { items: [1, 2] });
    assert.equal(res.headers["x-answer"], "42");
    assert.match(res.headers["content-type"] ?? "", /application\/json/);
  });

  it("keeps a text body as text, and reads any body as text when response is text", async () => {
    assert.equal((await call({ url: `${server.url}/text` })).body, "plain words");
    assert.equal((await call({ url: `${server.url}/json`, response: "text" })).body, '{"items":[1,2]}');
    await assert.rejects(call({ url: `${server.url}/text`, response: "json" }), /response body is not valid JSON/);
  });

  it("sends the method, query, headers and a JSON body", async () => {
    const res = await call({
      url: `${server.url}/echo`,
      method: "post",
      query: { q: "a b", n: 2 },
      headers: { authorization: "Bearer t" },
      body: { hello: "world" },
    });
    assert.deepEqual(res.body, {
      method: "POST",
      query: { q: "a b", n: "2" },
      body: '{"hello":"world"}',
      type: "application/json",
      auth: "Bearer t",
    });
  });

  it("fails on a status outside 2xx unless expect_status lists it", async () => {
    await assert.rejects(call({ url: `${server.url}/missing` }), {
      message: /^unexpected status 404 from GET http:\/\/127\.0\.0\.1:\d+\/missing$/,
    });
    assert.deepEqual((await call({ url: `${server.url}/missing`, expect_status: [200, 404] })).body, {
      detail: "nope",
    });
    await assert.rejects(call({ url: `${server.url}/created`, expect_status: 200 }), /unexpected status 201/);
    assert.equal((await call({ url: `${server.url}/created` })).status, 201);
  });

  it("fails after timeout_seconds without an answer", async () => {
    await assert.rejects(call({ url: `${server.url}/hang`, timeout_seconds: 0.1 }), {
      message: "request timed out after 0.1 seconds",
    });
  });

  it("fails with the cause when the server cannot be reached", async () => {
    const closed = await startTestServer();
    await closed.close();
    await assert.rejects(call({ url: `${closed.url}/` }), { message: /^request failed: fetch failed: .*ECONNREFUSED/ });
  });

  it("sends Idempotency-Key <run id>:<node id> by default, another key or none when idempotency_key says so", async () => {
    const keyOf = async (params: Record<string, unknown>) =>
      ((await call({ url: `${server.url}/key`, ...params })).body as { key: string | null }).key;
    assert.equal(await keyOf({}), "r:h");
    assert.equal(await keyOf({ method: "POST", body: { a: 1 } }), "r:h");
    assert.equal(await keyOf({ idempotency_key: false }), null);
    assert.equal(await keyOf({ idempotency_key: "order-7" }), "order-7");
    assert.equal(await keyOf({ idempotency_key: 42 }), "42");
    // A header the workflow sets itself wins, whatever its case.
    assert.equal(await keyOf({ headers: { "IDEMPOTENCY-KEY": "mine" } }), "mine");
    assert.equal(await keyOf({ headers: { "idempotency-key": "mine" }, idempotency_key: "other" }), "mine");
  });

  it("refuses an idempotency_key that is not a header value, and max_response_bytes above the ceiling", () => {
    const params = createHttpRequestNode({
      ...httpRequestOptionsOf(parseConfig({})),
      maxResponseBytesCeiling: 1000,
    }).params;
    assert.equal(params.parse({ url: server.url }).max_response_bytes, 1000);
    const tooBig = params.safeParse({ url: server.url, max_response_bytes: 1001 });
    assert.equal(tooBig.error?.issues[0]?.message, "must be at most 1000 bytes (HTTP_REQUEST_MAX_RESPONSE_BYTES)");
    assert.equal(httpRequestNode.params.parse({ url: server.url }).max_response_bytes, 5 * 1024 * 1024);
    for (const key of ["", "two\nlines", " padded", "é"]) {
      assert.equal(params.safeParse({ url: server.url, idempotency_key: key }).success, false, key);
    }
  });
});
