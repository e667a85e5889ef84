import { execFile as execFileCb, execFileSync } from "node:child_process";
import { chown, mkdtemp, rm } from "node:fs/promises";
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
