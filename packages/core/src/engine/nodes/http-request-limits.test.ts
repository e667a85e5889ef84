import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { parseConfig } from "../../config";
import { httpRequestOptionsOf, type HttpRequestOptions } from "../http/http-request-options";
import { createGate } from "../testing/start-test-server";
import { startRawServer, streamRepeated, type RawServer } from "../testing/start-raw-server";
import { createTestNodeContext } from "../testing/test-node-context";
import { createGraphPlan } from "../create-graph-plan";
import { executeGraph } from "../execute-graph";
import { createNodeRegistry } from "../node-registry";
import { createHttpRequestNode } from "./http-request-node";

const MiB = 1024 * 1024;
const ctx = createTestNodeContext("h");

const nodeWith = (options: Partial<HttpRequestOptions> = {}) => {
  const node = createHttpRequestNode({ ...httpRequestOptionsOf(parseConfig({})), ...options });
  return (params: Record<string, unknown>) =>
    node.run(node.params.parse(params), ctx, new AbortController().signal) as Promise<{ body: unknown }>;
};

describe("http.request response limits", () => {
  let server: RawServer;
  const routes = new Map<string, Parameters<typeof startRawServer>[0]>();
  const held = createGate();
  /** Bytes each streaming response got into its socket before it ended or its client went away. */
  const sent = new Map<string, Promise<number>>();

  before(async () => {
    server = await startRawServer((req, res) => routes.get(new URL(req.url ?? "/", "http://x").pathname)?.(req, res));
  });
  after(async () => {
    held.open();
    await server.close();
  });

  it("stops reading past max_response_bytes, fails naming the limit and closes the connection", async () => {
    routes.set("/endless", (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      sent.set("/endless", streamRepeated(res, Buffer.alloc(MiB, "a"), 700 * MiB));
    });
    await assert.rejects(nodeWith()({ url: `${server.url}/endless` }), {
      message: "response body exceeds max_response_bytes (5242880 bytes)",
    });
    // The server stops once the client closed: what it sent is what the sockets' buffers held, not 700 MB.
    assert.ok((await sent.get("/endless"))! < 64 * MiB, `sent ${await sent.get("/endless")} bytes`);
  });

  it("reads a body of exactly max_response_bytes, and fails one byte past it", async () => {
    routes.set("/exact", (req, res) => {
      const size = Number(new URL(req.url ?? "/", "http://x").searchParams.get("size"));
      res.writeHead(200, { "content-type": "text/plain" });
      void streamRepeated(res, Buffer.alloc(64 * 1024, "b"), size);
    });
    const call = nodeWith();
    const ok = await call({ url: `${server.url}/exact?size=100000`, max_response_bytes: 100_000 });
    assert.equal((ok.body as string).length, 100_000);
    await assert.rejects(call({ url: `${server.url}/exact?size=100001`, max_response_bytes: 100_000 }), {
      message: "response body exceeds max_response_bytes (100000 bytes)",
    });
  });

  it("fails at once, without reading the body, when its Content-Length is past the cap", async () => {
    routes.set("/declared", (_req, res) => {
      res.writeHead(200, { "content-length": String(700 * MiB) });
      // A first byte, then nothing: a node that waited for the body would time out instead.
      res.write("x");
    });
    await assert.rejects(nodeWith()({ url: `${server.url}/declared`, timeout_seconds: 30 }), {
      message: "response body exceeds max_response_bytes (5242880 bytes): its Content-Length is 734003200 bytes",
    });
  });

  it("counts decoded bytes: a gzip body whose Content-Length is far under the cap fails once it inflates past it", async () => {
    // 16 MiB of zeros compress to about 16 KB; 64 gzip members in a row inflate to 1 GiB from about 1 MB sent.
    const member = gzipSync(Buffer.alloc(16 * MiB));
    const bomb = Buffer.concat(Array.from({ length: 64 }, () => member));
    routes.set("/bomb", (_req, res) => {
      res.writeHead(200, { "content-encoding": "gzip", "content-length": String(bomb.length) });
      res.end(bomb);
    });
    assert.ok(bomb.length < 2 * MiB);
    await assert.rejects(nodeWith()({ url: `${server.url}/bomb`, max_response_bytes: 2 * MiB }), {
      message: "response body exceeds max_response_bytes (2097152 bytes)",
    });
  });

  it("fails the nodes whose bodies do not fit the worker's budget while the others finish", async () => {
    // Four bodies of 3 MiB against a budget of 8 MiB: at most two fit at once, so two nodes fail (each failure
    // gives its bytes back) and the other two complete once their servers end the bodies.
    const call = nodeWith({ responseBudgetMb: 8 });
    routes.set("/three", async (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write(Buffer.alloc(3 * MiB, "c"));
      await held.promise;
      res.end();
    });
    let failures = 0;
    const twoFailed = createGate();
    const outcomes = Array.from({ length: 4 }, () =>
      call({ url: `${server.url}/three`, max_response_bytes: 4 * MiB }).then(
        () => "ok",
        (err: Error) => {
          if (++failures === 2) twoFailed.open();
          return err.message;
        },
      ),
    );
    await twoFailed.promise;
    held.open();
    const results = await Promise.all(outcomes);
    const refusal =
      "response bodies being read on this worker exceed its budget (HTTP_REQUEST_RESPONSE_BUDGET_MB=8); the node may be retried";
    assert.deepEqual(results.toSorted(), ["ok", "ok", refusal, refusal]);
    // Every byte was given back: a body as large as the whole budget fits again.
    routes.set("/whole", (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(Buffer.alloc(8 * MiB, "d"));
    });
    const whole = await call({ url: `${server.url}/whole`, max_response_bytes: 8 * MiB });
    assert.equal((whole.body as string).length, 8 * MiB);
  });

  it("bounds the response head: its size and its number of headers", async () => {
    routes.set("/big-header", (_req, res) => {
      res.writeHead(200, { "x-big": "h".repeat(40 * 1024) }).end("ok");
    });
    routes.set("/many-headers", (_req, res) => {
      res.writeHead(200, Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x-h${i}`, "1"]))).end("ok");
    });
    const call = nodeWith();
    await assert.rejects(call({ url: `${server.url}/big-header` }), {
      message: "response headers exceed 32768 bytes",
    });
    await assert.rejects(call({ url: `${server.url}/many-headers` }), {
      message: "response has more than 256 headers",
    });
  });
});

describe("a templated max_response_bytes", () => {
  it("fails its node, naming the ceiling, when it renders above HTTP_REQUEST_MAX_RESPONSE_BYTES", async () => {
    const options = { ...httpRequestOptionsOf(parseConfig({})), maxResponseBytesCeiling: 1000 };
    const registry = createNodeRegistry({ http: options });
    const nodes = [
      {
        id: "get",
        type: "http.request",
        params: { url: "http://127.0.0.1:9/", max_response_bytes: "{{ input.limit }}" },
      },
    ];
    const outcome = await executeGraph({
      plan: createGraphPlan({ nodes, edges: [] }, registry),
      input: { limit: 1001 },
      run: { id: "run-1", workflow_id: "wf-1", triggered_by: "test", attempt: 1, scheduled_for: null },
      maxParallel: 1,
      logger: ctx.logger,
      onStep: async () => undefined,
    });
    assert.deepEqual(outcome, {
      status: "failed",
      nodeId: "get",
      error: "invalid params: max_response_bytes: must be at most 1000 bytes (HTTP_REQUEST_MAX_RESPONSE_BYTES)",
      steps: {},
    });
  });
});
