import { Agent, request } from "node:http";

/** `status` 0 is a connection error (a reset, a refused connection): `error` names it; the load goes on. */
export type HttpResult = { status: number; body: string; ms: number; error?: string };

/**
 * Idle keep-alive sockets are closed by the client after this long, before the server's keep-alive timeout can
 * close them: a request written on a socket the server is closing at that very moment would be reset.
 */
const FREE_SOCKET_TIMEOUT_MS = 4_000;

export type HttpClient = {
  send: (method: string, path: string, body?: unknown) => Promise<HttpResult>;
  close: () => void;
};

/** A keep-alive client for one base URL: each socket carries request after request. */
export function createHttpClient(baseUrl: string, maxSockets: number): HttpClient {
  const agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, timeout: FREE_SOCKET_TIMEOUT_MS });
  const { hostname, port } = new URL(baseUrl);
  const send = (method: string, path: string, body?: unknown) =>
    new Promise<HttpResult>((resolve) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const started = performance.now();
      const failed = (err: Error) =>
        resolve({
          status: 0,
          body: "",
          ms: performance.now() - started,
          error: (err as NodeJS.ErrnoException).code ?? err.message,
        });
      const req = request(
        {
          agent,
          hostname,
          port,
          method,
          path,
          headers:
            payload === undefined
              ? {}
              : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString("utf8"),
              ms: performance.now() - started,
            }),
          );
          res.on("error", failed);
        },
      );
      // An answer still in flight past the agent's socket timeout is waited for: only free sockets are closed.
      req.on("timeout", () => undefined);
      req.on("error", failed);
      req.end(payload);
    });
  return { send, close: () => agent.destroy() };
}

/** Closed loop: `clients` loops each send the next request when the previous one answered, `total` in all. */
export async function runClosedLoop(
  total: number,
  clients: number,
  fire: (i: number) => Promise<HttpResult>,
): Promise<HttpResult[]> {
  const results: HttpResult[] = new Array<HttpResult>(total);
  let next = 0;
  const loop = async () => {
    while (next < total) {
      const i = next++;
      results[i] = await fire(i);
    }
  };
  await Promise.all(Array.from({ length: clients }, loop));
  return results;
}

/**
 * Open loop: request i is sent at start + i / rate whether or not earlier ones answered, and its latency counts
 * from that scheduled instant (a stalled server is not hidden by a client that waits for it). `sendLagMs`: how late
 * the load generator itself sent it (its own event loop, its CPU share), which the latency includes.
 */
export async function runOpenLoop(
  ratePerSecond: number,
  seconds: number,
  fire: (i: number) => Promise<HttpResult>,
): Promise<(HttpResult & { sendLagMs: number })[]> {
  const total = Math.round(ratePerSecond * seconds);
  const intervalMs = 1000 / ratePerSecond;
  const start = performance.now();
  const inFlight: Promise<HttpResult & { sendLagMs: number }>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const sendLagMs = Math.max(0, performance.now() - due);
    inFlight.push(fire(i).then((r) => ({ ...r, ms: performance.now() - due, sendLagMs })));
  }
  return Promise.all(inFlight);
}
