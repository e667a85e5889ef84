import { execFile as execFileCb, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { chown, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort } from "./private-redis";
import { REPO_ROOT } from "./test-database";

const execFile = promisify(execFileCb);
const BIN = process.env.PG_BIN_DIR ?? "/usr/lib/postgresql/15/bin";

export type PrivatePostgres = {
  port: number;
  /** postgresql:// URL of the migrated `switchyard` database. */
  url: string;
  /** Fast shutdown: sessions are terminated (57P01), committed work is kept. */
  stop: () => Promise<void>;
  /** Immediate shutdown, as a crash: no checkpoint, recovery at the next start. */
  kill: () => Promise<void>;
  start: () => Promise<void>;
  restart: () => Promise<void>;
  /** Stops the server and removes its folder. */
  destroy: () => Promise<void>;
};

/**
 * A Postgres of the test's own (initdb + pg_ctl) on a free loopback port, its socket in a temporary folder, so a
 * test can stop and restart it without touching the shared server. As root the server runs as `postgres`
 * (Postgres refuses to run as root). Without fsync: a test server need not survive the machine, only its own crash.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), "sy-pg-"));
  const data = join(dir, "data");
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    await chown(dir, uid, gid);
  }
  const run = (bin: string, args: string[]) =>
    asRoot ? execFile("runuser", ["-u", "postgres", "--", join(BIN, bin), ...args]) : execFile(join(BIN, bin), args);

  await run("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]);
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses=127.0.0.1",
    // fsync off: a commit reaches the OS, which outlives a killed server. synchronous_commit stays on, or a crash
    // (immediate shutdown) would lose commits the client was told about.
    "-c fsync=off",
    "-c full_page_writes=off",
    "-c max_connections=200",
  ].join(" ");
  const start = async () => {
    await run("pg_ctl", ["-D", data, "-o", options, "-l", join(dir, "server.log"), "-w", "-t", "120", "start"]);
  };
  const shutdown = (mode: "fast" | "immediate") => async () => {
    await run("pg_ctl", ["-D", data, "-m", mode, "-w", "-t", "120", "stop"]).catch((err: unknown) => {
      // Already stopped is fine.
      if (!String((err as { stderr?: unknown }).stderr ?? "").includes("Is server running?")) throw err;
    });
  };
  await start();

  const url = `postgresql://postgres@127.0.0.1:${port}/switchyard`;
  const admin = new pg.Client({ host: "127.0.0.1", port, user: "postgres", database: "postgres" });
  await admin.connect();
  await admin.query("CREATE DATABASE switchyard");
  await admin.end();
  await execFile(join(REPO_ROOT, "node_modules/.bin/prisma"), ["migrate", "deploy"], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATABASE_URL: url },
  });

  const stop = shutdown("fast");
  return {
    port,
    url,
    stop,
    kill: shutdown("immediate"),
    start,
    restart: async () => {
      await stop();
      await start();
    },
    destroy: async () => {
      await shutdown("immediate")();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type PrivatePgBouncer = {
  port: number;
  /** `url` with its host and port replaced by the pooler's (the same database and user). */
  urlFor: (url: string) => string;
  /** Stops the pooler at once (SIGTERM: every client connection is closed), then starts it again on its port. */
  restart: () => Promise<void>;
  /** Stops it and removes its folder. */
  stop: () => Promise<void>;
};

/**
 * PgBouncer (Debian's package, 1.18: no protocol-level prepared statements) in transaction mode on a free loopback
 * port, in front of the Postgres at `target` (any database of it, the client's user and no password). PgBouncer
 * refuses to run as root: as root it runs as nobody (65534), from a folder that user owns.
 */
export async function startPrivatePgBouncer(
  target: { host?: string; port: number },
  settings: Record<string, string | number> = {},
): Promise<PrivatePgBouncer> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), "sy-pgbouncer-"));
  const asRoot = process.getuid?.() === 0;
  const ini = {
    listen_addr: "127.0.0.1",
    listen_port: port,
    unix_socket_dir: "",
    auth_type: "trust",
    auth_file: join(dir, "users.txt"),
    pool_mode: "transaction",
    max_client_conn: 2_000,
    default_pool_size: 40,
    server_reset_query: "",
    logfile: join(dir, "pgbouncer.log"),
    pidfile: join(dir, "pgbouncer.pid"),
    ...settings,
  };
  const text = [
    "[databases]",
    `* = host=${target.host ?? "127.0.0.1"} port=${target.port}`,
    "[pgbouncer]",
    ...Object.entries(ini).map(([key, value]) => `${key} = ${String(value)}`),
    "",
  ].join("\n");
  await writeFile(join(dir, "pgbouncer.ini"), text);
  await writeFile(join(dir, "users.txt"), ['"postgres" ""', '"root" ""', ""].join("\n"));
  if (asRoot) {
    await chown(dir, 65534, 65534);
    for (const file of ["pgbouncer.ini", "users.txt"]) await chown(join(dir, file), 65534, 65534);
  }
  let proc: ChildProcess | undefined;
  const start = async () => {
    const child = spawn(PGBOUNCER, [join(dir, "pgbouncer.ini")], {
      stdio: ["ignore", "ignore", "pipe"],
      ...(asRoot && { uid: 65534, gid: 65534 }),
    });
    proc = child;
    const stderr: string[] = [];
    child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
    const exited = once(child, "exit");
    const deadline = Date.now() + 20_000;
    for (;;) {
      const probe = new pg.Client({ host: "127.0.0.1", port, user: "postgres", database: "postgres" });
      const ok = await probe.connect().then(
        () => true,
        () => false,
      );
      await probe.end().catch(() => undefined);
      if (ok) return;
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`pgbouncer did not start: ${stderr.join("")}`);
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 100))]);
    }
  };
  const kill = async () => {
    const child = proc;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    }
  };
  await start();
  return {
    port,
    urlFor: (url) => {
      const u = new URL(url);
      u.hostname = "127.0.0.1";
      u.port = String(port);
      return u.toString();
    },
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

const PGBOUNCER = process.env.PGBOUNCER_BIN ?? "/usr/sbin/pgbouncer";
