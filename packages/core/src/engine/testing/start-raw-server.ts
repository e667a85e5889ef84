import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type RawHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export type RawServer = {
  url: string;
  /** The raw requests in arrival order (method, path, headers). */
  requests: { method: string; path: string; headers: IncomingMessage["headers"] }[];
  close: () => Promise<void>;
};

/** A local HTTP server whose handler writes the response itself: for streaming, lying and slow answers. */
export async function startRawServer(handler: RawHandler): Promise<RawServer> {
  const requests: RawServer["requests"] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers });
    Promise.resolve(handler(req, res)).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Writes `total` bytes of `chunk` repeated, waiting for the socket to drain (so nothing piles up in the server),
 * then ends the response (unless `end` is false); stops early when the client goes away. Resolves with the bytes
 * the socket accepted.
 */
export async function streamRepeated(
  res: ServerResponse,
  chunk: Buffer,
  total: number,
  { end = true }: { end?: boolean } = {},
): Promise<number> {
  let sent = 0;
  let gone = false;
  res.once("close", () => (gone = true));
  while (sent < total && !gone) {
    const piece = total - sent >= chunk.length ? chunk : chunk.subarray(0, total - sent);
    sent += piece.length;
    if (!res.write(piece)) await drainedOrClosed(res);
  }
  if (!gone && end) res.end();
  return sent;
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}
