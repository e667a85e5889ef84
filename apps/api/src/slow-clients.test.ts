import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Agent, request } from "node:http";
import { connect, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "@switchyard/core/testing/private-redis";
import { eventually, spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { createTestDeps, type TestDeps } from "@switchyard/core/testing/test-deps";

const HEADERS_TIMEOUT_MS = 500;
const REQUEST_TIMEOUT_MS = 1_500;
const TRICKLE_MS = 100;

/**
 * A raw client that sends `head` and then one byte of `drip` every TRICKLE_MS, for as long as the server keeps the
 * connection open; resolves with what the server answered once it closed the connection.
 */
function trickle(port: number, head: string, drip: string) {
  return new Promise<{ answer: string; ms: number }>((resolve) => {
    const started = Date.now();
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    let at = 0;
    const timer = setInterval(() => {
      if (drip.length > 0 && !socket.destroyed) socket.write(drip[at++ % drip.length]!);
    }, TRICKLE_MS);
    socket.on("data", (chunk: Buffer) => (answer += chunk.toString()));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearInterval(timer);
      resolve({ answer, ms: Date.now() - started });
    });
    if (head.length > 0) socket.write(head);
  });
}

/** Resolves with the status line of a request on `socket`, or null when the server closes it without answering. */
function statusOn(socket: Socket, path: string): Promise<string | null> {
  return new Promise((resolve) => {
    let answer = "";
    const onData = (chunk: Buffer) => {
      answer += chunk.toString();
      if (answer.includes("\r\n\r\n")) {
        socket.off("data", onData);
        resolve(answer.split("\r\n")[0]!);
      }
    };
    socket.on("data", onData);
    socket.once("close", () => resolve(answer.length > 0 ? answer.split("\r\n")[0]! : null));
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  });
}

const open = (port: number) =>
  new Promise<Socket>((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => resolve(socket));
    socket.on("error", reject);
  });

/** Slow clients against the real api process (main.ts), with its timeouts configured short. */
describe("slow clients", { timeout: 60_000 }, () => {
  let deps: TestDeps;
  const spawned: ServiceProcess[] = [];
  let port = 0;
  before(async () => {
    deps = await createTestDeps();
    // A webhook that exists, so its delivery reads the body (an unknown one is refused before).
    const workflow = await deps.db.workflow.create({ data: { name: "slow", handle: "slow" } });
    await deps.db.workflowVersion.create({
      data: {
        workflowId: workflow.id,
        version: 1,
        graph: { nodes: [{ id: "a", type: "set", params: {} }], edges: [] },
      },
    });
    port = await startApi({
      API_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      API_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    });
  });
  after(async () => {
    await Promise.all(spawned.map((p) => p.stop("SIGKILL")));
    await deps.close();
  });
  async function startApi(env: Record<string, string>) {
    const apiPort = await freePort();
    const api = spawnService("api", { ...deps.env, PORT: String(apiPort), LOG_LEVEL: "info", ...env });
    spawned.push(api);
    await api.waitForLog((l) => l.message === "api listening");
    return apiPort;
  }

  it("answers 408 and closes a connection whose headers trickle in", async () => {
    const { answer, ms } = await trickle(port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n", "X-Slow: y\r\n");
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.ok(ms >= HEADERS_TIMEOUT_MS - TRICKLE_MS, `closed after ${ms} ms`);
  });

  it("closes a connection that sends nothing at all", async () => {
    const { answer } = await trickle(port, "", "");
    assert.match(answer, /^HTTP\/1\.1 408 /);
  });

  for (const [route, path] of [
    ["a webhook delivery", "/api/workflows/slow/triggers/webhook"],
    ["a management route", "/api/workflows"],
  ]) {
    it(`answers 408 and closes ${route} whose body trickles in`, async () => {
      const head =
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `Content-Length: 100000\r\n\r\n{"a":"`;
      const { answer, ms } = await trickle(port, head, "x");
      assert.match(answer, /^HTTP\/1\.1 408 /);
      assert.ok(ms >= REQUEST_TIMEOUT_MS - TRICKLE_MS, `closed after ${ms} ms`);
    });
  }

  it("keeps an idle keep-alive connection past the headers timeout, and serves its next request", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<{ status: number | undefined; localPort: number | undefined }>((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port, path: "/healthz", agent }, (res) => {
          res.resume();
          res.on("end", () => resolve({ status: res.statusCode, localPort: req.socket?.localPort }));
        });
        req.on("error", reject);
        req.end();
      });
    try {
      const first = await get();
      // Idle for longer than the headers timeout: the timeout starts with a request, not with the connection.
      await sleep(HEADERS_TIMEOUT_MS * 3);
      const second = await get();
      assert.deepEqual([first.status, second.status], [200, 200]);
      assert.equal(second.localPort, first.localPort, "the same connection served both");
    } finally {
      agent.destroy();
    }
  });

  it("closes connections past API_MAX_CONNECTIONS at once, and takes new ones when one closes", async () => {
    const capped = await startApi({ API_MAX_CONNECTIONS: "3" });
    const held = [await open(capped), await open(capped), await open(capped)];
    // Each answered, so the api counts all three.
    for (const socket of held) assert.equal(await statusOn(socket, "/healthz"), "HTTP/1.1 200 OK");
    const refused = await open(capped);
    assert.equal(await statusOn(refused, "/healthz"), null);
    const api = spawned.at(-1)!;
    await api.waitForLog((l) => l.message === "api connection cap reached, closing new connections");

    held.pop()!.destroy();
    const status = await eventually(async () => {
      const socket = await open(capped);
      const line = await statusOn(socket, "/healthz");
      socket.destroy();
      return line ?? undefined;
    });
    assert.equal(status, "HTTP/1.1 200 OK");
    for (const socket of held) socket.destroy();
  });
});
