import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { eventually } from "@switchyard/core/testing/service-process";
import { createClient, NotFoundError, type RunEvent } from "./index";

type Script = (req: IncomingMessage, res: ServerResponse, connection: number) => void;

/** A local server answering the events route from a script, one step per connection. */
describe("runs.events against a scripted event stream", () => {
  let server: Server;
  let url: string;
  let script: Script = () => undefined;
  let connections: IncomingMessage[] = [];

  before(async () => {
    server = createServer((req, res) => {
      connections.push(req);
      script(req, res, connections.length);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const stream = (res: ServerResponse) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.flushHeaders();
  };
  const event = (id: string, type: string, data: object) =>
    `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
  const collect = async (opts: Parameters<ReturnType<typeof createClient>["runs"]["events"]>[1] = {}) => {
    connections = [];
    const out: RunEvent[] = [];
    for await (const e of createClient({ url }).runs.events("r1", { reconnectDelayMs: 10, ...opts })) out.push(e);
    return out;
  };

  it("reconnects with Last-Event-ID after a connection that went quiet, and after one the server closed", async () => {
    script = (_req, res, n) => {
      stream(res);
      if (n === 1) res.write(": ping\n\n" + event("1", "status", { status: "running" })); // then silence
      if (n === 2) res.end(event("2", "step", { node_id: "a" })); // closed before the end
      if (n === 3) res.end(event("3", "end", { status: "succeeded" }));
    };
    const events = await collect({ idleTimeoutMs: 200 });
    assert.deepEqual(
      events.map((e) => [e.id, e.type]),
      [
        ["1", "status"],
        ["2", "step"],
        ["3", "end"],
      ],
    );
    assert.deepEqual(
      connections.map((c) => c.headers["last-event-id"]),
      [undefined, "1", "2"],
    );
    assert.equal(connections[0]?.headers.accept, "text/event-stream");
  });

  it("reconnects after the server's error event and after a 503, and passes over unknown event types", async () => {
    script = (_req, res, n) => {
      if (n === 2) return void res.writeHead(503).end('{"detail":"Service unavailable"}');
      stream(res);
      if (n === 1)
        res.end(event("1", "status", {}) + event("1b", "novelty", {}) + event("x", "error", { detail: "behind" }));
      if (n === 3) res.end(event("2", "end", { status: "failed" }));
    };
    const events = await collect();
    assert.deepEqual(
      events.map((e) => e.type),
      ["status", "end"],
    );
    assert.deepEqual(
      connections.map((c) => c.headers["last-event-id"]),
      [undefined, "1b", "1b"],
    );
  });

  it("rejects at once with a typed error on a 404, without reconnecting", async () => {
    script = (_req, res) =>
      void res.writeHead(404, { "content-type": "application/json" }).end('{"detail":"Workflow run not found"}');
    await assert.rejects(
      collect(),
      (err: unknown) => err instanceof NotFoundError && err.detail === "Workflow run not found",
    );
    assert.equal(connections.length, 1);
  });

  it("gives up after maxReconnects attempts that bring no event", async () => {
    script = (_req, res) => void res.writeHead(502).end();
    await assert.rejects(collect({ maxReconnects: 2 }), /502/);
    assert.equal(connections.length, 3);
  });

  it("closes the stream when the loop stops early, and stops on the caller's abort", async () => {
    let closed = 0;
    script = (req, res) => {
      stream(res);
      res.on("close", () => closed++);
      res.write(event("1", "status", {}));
    };
    for await (const e of createClient({ url }).runs.events("r1")) {
      assert.equal(e.type, "status");
      break;
    }
    await eventually(async () => (closed === 1 ? true : undefined), 5_000, "the stream to close");
    const abort = new AbortController();
    const pending = collect({ signal: abort.signal });
    abort.abort(new Error("enough"));
    await assert.rejects(pending, /enough/);
  });
});
