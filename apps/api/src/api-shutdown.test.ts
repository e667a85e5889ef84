import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Agent, request, type ClientRequest, type IncomingMessage } from "node:http";
import { freePort } from "@switchyard/core/testing/private-redis";
import { spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { createTestDeps, type TestDeps } from "@switchyard/core/testing/test-deps";

/**
 * A POST whose body is sent in two parts, so the request stays in flight until the test sends the rest. It asks for
 * `100 Continue`: the interim answer shows the server has parsed the request, so the test knows it is in flight.
 */
function startSlowRequest(port: number, body: string) {
  const half = Math.floor(body.length / 2);
  let req!: ClientRequest;
  const response = new Promise<IncomingMessage & { text?: string }>((resolve, reject) => {
    req = request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/api/workflows",
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          expect: "100-continue",
        },
      },
      (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString()));
        res.on("end", () => resolve(Object.assign(res, { text })));
      },
    );
    req.on("error", reject);
  });
  const inFlight = new Promise<void>((resolve) => {
    req.on("continue", () => {
      req.write(body.slice(0, half));
      resolve();
    });
  });
  req.flushHeaders();
  return { response, inFlight, finish: () => req.end(body.slice(half)) };
}

describe("api shutdown", () => {
  let deps: TestDeps;
  const spawned: ServiceProcess[] = [];
  before(async () => {
    deps = await createTestDeps();
  });
  after(async () => {
    await Promise.all(spawned.map((p) => p.stop("SIGKILL")));
    await deps.close();
  });
  const startApi = async () => {
    const port = await freePort();
    const api = spawnService("api", { ...deps.env, PORT: String(port), LOG_LEVEL: "info", API_SHUTDOWN_TIMEOUT: "2" });
    spawned.push(api);
    await api.waitForLog((l) => l.message === "api listening");
    return { api, port };
  };
  const body = JSON.stringify({ name: "created while stopping", description: "x".repeat(200) });

  it("finishes an in-flight request on SIGTERM, then exits 0", async () => {
    const { api, port } = await startApi();
    const slow = startSlowRequest(port, body);
    await slow.inFlight;
    api.proc.kill("SIGTERM");
    await api.waitForLog((l) => l.message === "shutting down");
    slow.finish();
    const res = await slow.response;
    assert.equal(res.statusCode, 201, res.text);
    assert.equal(await api.exited, 0);
    assert.equal(await deps.db.workflow.count({ where: { name: "created while stopping" } }), 1);
  });

  it("keeps idle connections longer than a proxy would, and closes them at once on SIGTERM", async () => {
    const { api, port } = await startApi();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const res = await new Promise<IncomingMessage>((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port, path: "/healthz", agent }, (r) => {
          r.resume();
          r.on("end", () => resolve(r));
        });
        req.on("error", reject);
        req.end();
      });
      assert.equal(res.statusCode, 200);
      // Node's default (5 s) is shorter than a proxy's idle timeout: the proxy would reuse a connection being closed.
      assert.equal(res.headers["keep-alive"], "timeout=65");
      api.proc.kill("SIGTERM");
      assert.equal(await api.exited, 0);
    } finally {
      agent.destroy();
    }
  });

  it("drops a request still open at API_SHUTDOWN_TIMEOUT and exits 0", async () => {
    const { api, port } = await startApi();
    const slow = startSlowRequest(port, body);
    const outcome = slow.response.then(
      () => "answered",
      () => "dropped",
    );
    await slow.inFlight;
    api.proc.kill("SIGTERM");
    assert.equal(await api.exited, 0);
    assert.equal(await outcome, "dropped");
    assert.ok(api.logs.some((l) => l.message === "shutdown deadline passed, closing open connections"));
  });
});
