import { Agent, request } from "node:http";

export type HttpResult = { status: number; body: string; ms: number };

export type HttpClient = {
  send: (method: string, path: string, body?: unknown) => Promise<HttpResult>;
  close: () => void;
};

/** A keep-alive client for one base URL: each socket carries request after request. */
export function createHttpClient(baseUrl: string, maxSockets: number): HttpClient {
  const agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  const { hostname, port } = new URL(baseUrl);
  const send = (method: string, path: string, body?: unknown) =>
    new Promise<HttpResult>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const started = performance.now();
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
          res.on("error", reject);
        },
      );
      req.on("error", reject);
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
 * from that scheduled instant (a stalled server is not hidden by a client that waits for it).
 */
export async function runOpenLoop(
  ratePerSecond: number,
  seconds: number,
  fire: (i: number) => Promise<HttpResult>,
): Promise<HttpResult[]> {
  const total = Math.round(ratePerSecond * seconds);
  const intervalMs = 1000 / ratePerSecond;
  const start = performance.now();
  const inFlight: Promise<HttpResult>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    inFlight.push(fire(i).then((r) => ({ ...r, ms: performance.now() - due })));
  }
  return Promise.all(inFlight);
}
