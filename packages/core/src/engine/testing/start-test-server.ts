import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type ReceivedRequest = {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage["headers"];
  body: string;
  /** Arrival time (ms since epoch) and, once answered, the response time. */
  receivedAt: number;
  answeredAt: number | null;
};

export type Reply = { status?: number; headers?: Record<string, string>; body?: unknown };

/** Answers a request; may wait (hold it open) before resolving. `n`: how many requests this path has had. */
export type Route = (req: ReceivedRequest, n: number) => Reply | Promise<Reply>;

export type TestServer = {
  url: string;
  requests: ReceivedRequest[];
  /** Requests being handled right now, and the most seen at once. */
  inFlight: () => number;
  maxInFlight: () => number;
  route: (path: string, handler: Route) => void;
  close: () => Promise<void>;
};

/**
 * A local HTTP server standing in for the outside world in tests: routes by path, records every request with
 * its timestamps, and can hold requests open so a test controls when a node's call completes.
 */
export async function startTestServer(): Promise<TestServer> {
  const routes = new Map<string, Route>();
  const counts = new Map<string, number>();
  const requests: ReceivedRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? "/", "http://localhost");
    const received: ReceivedRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: Buffer.concat(chunks).toString("utf8"),
      receivedAt: Date.now(),
      answeredAt: null,
    };
    requests.push(received);
    const n = (counts.get(url.pathname) ?? 0) + 1;
    counts.set(url.pathname, n);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      const route = routes.get(url.pathname);
      const reply: Reply = route === undefined ? { status: 404, body: "no route" } : await route(received, n);
      const headers = { ...reply.headers };
      let body = "";
      if (typeof reply.body === "string") body = reply.body;
      else if (reply.body !== undefined) {
        body = JSON.stringify(reply.body);
        headers["content-type"] ??= "application/json";
      }
      received.answeredAt = Date.now();
      res.writeHead(reply.status ?? 200, headers).end(body);
    } finally {
      inFlight--;
    }
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    inFlight: () => inFlight,
    maxInFlight: () => maxInFlight,
    route: (path, handler) => void routes.set(path, handler),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A promise with its resolver outside: lets a test release a held request when it chooses. */
export function createGate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}
