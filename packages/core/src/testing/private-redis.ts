import { execFile, spawn, type ChildProcess } from "node:child_process";
import { Redis } from "ioredis";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
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

export type PrivateSentinel = {
  /** The first master, and its replica (the one a failover promotes). */
  master: PrivateRedis;
  replica: PrivateRedis;
  /** Environment for processes using it: REDIS_SENTINELS, REDIS_SENTINEL_MASTER (and REDIS_URL for credentials). */
  env: Record<string, string>;
  /** The port of the master the sentinel names now. */
  masterPort: () => Promise<number>;
  /** Stops the sentinel and both servers. */
  stop: () => Promise<void>;
};

/**
 * A master, a replica of it, and one Sentinel watching them (quorum 1, down after 1 s) on free loopback ports.
 * Killing `master` makes the sentinel promote `replica` within a few seconds.
 */
export async function startPrivateSentinel(name = "sy-master"): Promise<PrivateSentinel> {
  const master = await startPrivateRedis();
  const replica = await startPrivateRedis(["--replicaof", "127.0.0.1", String(master.port)]);
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), "sy-sentinel-"));
  const conf = join(dir, "sentinel.conf");
  await writeFile(
    conf,
    [
      `port ${port}`,
      "bind 127.0.0.1",
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${master.port} 1`,
      `sentinel down-after-milliseconds ${name} 1000`,
      `sentinel failover-timeout ${name} 5000`,
      "",
    ].join("\n"),
  );
  const child = spawn("redis-server", [conf, "--sentinel"], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    let seen = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes("+monitor master")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`redis-sentinel exited with ${String(code)}`)));
  });
  child.stdout?.resume();
  const masterPort = async () => {
    const out = await new Promise<string>((resolve, reject) =>
      execFile("redis-cli", ["-p", String(port), "SENTINEL", "get-master-addr-by-name", name], (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      ),
    );
    return Number(out.trim().split("\n")[1]);
  };
  // The replica has synced before anything relies on it surviving the master.
  const probe = new Redis(replica.url);
  for (;;) {
    const info = await probe.info("replication");
    if (/master_link_status:up/.test(info)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  probe.disconnect();
  return {
    master,
    replica,
    env: {
      REDIS_URL: "redis://127.0.0.1:6379",
      REDIS_SENTINELS: `127.0.0.1:${port}`,
      REDIS_SENTINEL_MASTER: name,
    },
    masterPort,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, "exit");
        child.kill("SIGKILL");
        await exited;
      }
      await Promise.all([master.stop(), replica.stop()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type PrivateRedisCluster = {
  nodes: PrivateRedis[];
  /** Environment for processes using it: REDIS_CLUSTER_NODES (and REDIS_URL for credentials). */
  env: Record<string, string>;
  /** The master serving the slot of `key` now. */
  masterOf: (key: string) => Promise<PrivateRedis>;
  /** Kills the master serving `key`'s slot and resolves once a replica serves it and the cluster is ok again. */
  failOver: (key: string) => Promise<void>;
  stop: () => Promise<void>;
};

/**
 * A Redis Cluster of three masters with a replica each on free loopback ports (`redis-cli --cluster create`), nodes
 * declared failed after 2 s so a replica takes over soon after its master dies.
 */
export async function startPrivateRedisCluster(): Promise<PrivateRedisCluster> {
  const args = ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000"];
  const nodes = await Promise.all(Array.from({ length: 6 }, () => startPrivateRedis(args)));
  await cli([
    "--cluster",
    "create",
    ...nodes.map((n) => `127.0.0.1:${n.port}`),
    "--cluster-replicas",
    "1",
    "--cluster-yes",
  ]);
  const alive = new Set(nodes);
  const ok = async () => {
    for (const node of alive) {
      if (!(await cli(["-p", String(node.port), "CLUSTER", "INFO"])).includes("cluster_state:ok")) return false;
    }
    return true;
  };
  const waitOk = async () => {
    const deadline = Date.now() + 60_000;
    while (!(await ok())) {
      if (Date.now() > deadline) throw new Error("the cluster did not become ok");
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await waitOk();
  const masterOf = async (key: string) => {
    const [any] = alive;
    const slot = Number((await cli(["-p", String(any!.port), "CLUSTER", "KEYSLOT", key])).trim());
    const lines = (await cli(["-p", String(any!.port), "CLUSTER", "NODES"])).trim().split("\n");
    for (const line of lines) {
      const [, address = "", flags = "", , , , , , ...ranges] = line.split(" ");
      if (!flags.includes("master") || flags.includes("fail")) continue;
      const served = ranges.some((range) => {
        const [from, to = from] = range.split("-").map(Number);
        return from !== undefined && to !== undefined && slot >= from && slot <= to;
      });
      const port = Number(address.split("@")[0]?.split(":")[1]);
      const node = nodes.find((n) => n.port === port);
      if (served && node !== undefined && alive.has(node)) return node;
    }
    throw new Error(`no live master serves slot ${slot}`);
  };
  return {
    nodes,
    env: {
      REDIS_URL: "redis://127.0.0.1:6379",
      REDIS_CLUSTER_NODES: nodes.map((n) => `127.0.0.1:${n.port}`).join(","),
    },
    masterOf,
    failOver: async (key) => {
      const master = await masterOf(key);
      alive.delete(master);
      await master.kill();
      const deadline = Date.now() + 60_000;
      for (;;) {
        const served = await masterOf(key).then(
          () => true,
          () => false,
        );
        if (served && (await ok())) return;
        if (Date.now() > deadline) throw new Error("no replica took over");
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop: async () => {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}

function cli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile("redis-cli", args, (err, stdout) => (err ? reject(err) : resolve(stdout))),
  );
}
