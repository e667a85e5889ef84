import { Pool, type Dispatcher } from "undici";

/** `status` 0 is a connection error (a reset, a refused connection): `error` names it; the load goes on. */
export type HttpResult = { status: number; body: string; ms: number; error?: string };

/**
 * Idle keep-alive sockets are closed by the client after this long, before the server's keep-alive timeout can
 * close them: a request written on a socket the server is closing at that very moment would be reset.
 */
const FREE_SOCKET_TIMEOUT_MS = 4_000;

export type HttpClient = {
  /** `headers`: sent beside the JSON content type. */
  send: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<HttpResult>;
  close: () => void;
};

/**
 * A keep-alive client for one base URL: each socket carries request after request, one at a time (no pipelining).
 * undici's pool rather than node:http's agent: it spends about half the CPU per request, which on a machine the
 * load generator shares with the services under test is CPU they get back.
 */
export function createHttpClient(baseUrl: string, maxSockets: number): HttpClient {
  const pool = new Pool(baseUrl, {
    connections: maxSockets,
    pipelining: 1,
    keepAliveTimeout: FREE_SOCKET_TIMEOUT_MS,
    keepAliveMaxTimeout: FREE_SOCKET_TIMEOUT_MS,
  });
  const send = async (
    method: string,
    path: string,
    body?: unknown,
    extra?: Record<string, string>,
  ): Promise<HttpResult> => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const started = performance.now();
    try {
      const res = await pool.request({
        method: method as Dispatcher.HttpMethod,
        path,
        headers: { ...(payload === undefined ? {} : { "content-type": "application/json" }), ...extra },
        body: payload,
      });
      const text = await res.body.text();
      return { status: res.statusCode, body: text, ms: performance.now() - started };
    } catch (err) {
      return {
        status: 0,
        body: "",
        ms: performance.now() - started,
        error: (err as NodeJS.ErrnoException).code ?? (err as Error).message,
      };
    }
  };
  return { send, close: () => void pool.destroy() };
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
