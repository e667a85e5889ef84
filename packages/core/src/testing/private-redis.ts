import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A free loopback port (taken and released at once). */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export type PrivateRedis = {
  url: string;
  port: number;
  /** Stops the server at once (SIGKILL): with nothing on disk, every key is gone. */
  kill: () => Promise<void>;
  /** Starts it again on the same port, empty. */
  restart: () => Promise<void>;
  /** Kills the server and removes its folder. */
  stop: () => Promise<void>;
};

/**
 * A Redis of the test's own on a free loopback port, keeping nothing on disk (as the shared one), so a test can
 * kill, restart or flush it without touching the shared server. `args` adds server options
 * (e.g. `["--maxmemory-policy", "allkeys-lru"]`).
 */
export async function startPrivateRedis(args: string[] = []): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), "sy-redis-"));
  let proc: ChildProcess | undefined;
  const start = async () => {
    const child = spawn(
      "redis-server",
      ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no", "--dir", dir, ...args],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    proc = child;
    await new Promise<void>((resolve, reject) => {
      let seen = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes("Ready to accept connections")) resolve();
      });
      child.once("exit", (code) => reject(new Error(`redis-server exited with ${String(code)}`)));
    });
    child.stdout?.resume();
  };
  const kill = async () => {
    const child = proc;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, "exit");
      child.kill("SIGKILL");
      await exited;
    }
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    restart: async () => {
      await kill();
      await start();
    },
    stop: async () => {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
