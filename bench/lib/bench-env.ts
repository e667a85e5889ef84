import { randomBytes } from "node:crypto";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, openSync, readFileSync, closeSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import { pgConnectionOptions, withDatabase } from "@switchyard/core/db-url";
import { deleteKeys } from "@switchyard/core/testing/test-deps";
import { freePort } from "@switchyard/core/testing/private-redis";

export const REPO_ROOT = join(import.meta.dirname, "../..");
const WORK_DIR = join(REPO_ROOT, "bench/.work");

/** The node flags of the production start commands (package.json, deploy/systemd, docker-compose.yml). */
const PRODUCTION_NODE_FLAGS = ["--enable-source-maps", "--max-old-space-size=512"];

export type ServiceName = "api" | "worker" | "beat";

/** A real app process; its log goes to a file so the bench itself spends no CPU on it. */
export type BenchService = { name: ServiceName; proc: ChildProcess; logPath: string; stop: () => Promise<void> };

export type BenchEnv = {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  apiUrl: string;
  pool: pg.Pool;
  services: Record<ServiceName, BenchService>;
  /** Every worker process (`services.worker` is the first). */
  workers: BenchService[];
  close: () => Promise<void>;
};

/** How the services reach Postgres and Redis, and how many workers run (the bench's default: direct, one). */
export type BenchEnvOptions = {
  /** The services' DATABASE_URL for the bench database's (e.g. through a pooler); the bench's own pool stays direct. */
  serviceDatabaseUrl?: (databaseUrl: string) => string;
  /** Extra environment for every service (DATABASE_POOLER, REDIS_CLUSTER_NODES, ...). */
  env?: Record<string, string>;
  workers?: number;
};

/**
 * A fresh database (migrated with `prisma migrate deploy`), a queue prefix of its own, and the api, one worker
 * and the beat started as real processes with their default settings.
 */
export async function startBenchEnv(
  serverUrl: string,
  redisUrl: string,
  options: BenchEnvOptions = {},
): Promise<BenchEnv> {
  const stamp = Date.now();
  const prefix = `sybench-${stamp}`;
  const db = await createBenchDatabase(serverUrl, `switchyard_bench_${stamp}`);
  const databaseUrl = db.databaseUrl;
  const pool = new pg.Pool({ ...pgConnectionOptions(databaseUrl), max: 4 });
  buildBundles();

  const base = await benchServiceEnv(options.serviceDatabaseUrl?.(databaseUrl) ?? databaseUrl, redisUrl, prefix);
  const { apiUrl } = base;
  const env = { ...base.env, ...options.env };
  const api = await startBenchApi(env, apiUrl, stamp);
  const workers = Array.from({ length: options.workers ?? 1 }, (_, i) =>
    spawnBenchService("worker", env, i === 0 ? stamp : `${stamp}-${i}`),
  );
  for (const w of workers) await waitFor(async () => logHas(w.logPath, "worker started"), "worker");
  const worker = workers[0]!;
  const beat = spawnBenchService("beat", env, stamp);
  await waitFor(async () => logHas(beat.logPath, "beat started"), "beat");

  return {
    databaseUrl,
    redisUrl,
    prefix,
    apiUrl,
    pool,
    services: { api, worker, beat },
    workers,
    close: async () => {
      await Promise.all([beat.stop(), ...workers.map((w) => w.stop()), api.stop()]);
      await pool.end();
      await deleteKeysAt(redisUrl, `${prefix}*`);
      await db.drop();
    },
  };
}

/** The services' environment, as in production, with the api on a free port. */
export async function benchServiceEnv(
  databaseUrl: string,
  redisUrl: string,
  prefix: string,
): Promise<{ env: Record<string, string>; apiUrl: string }> {
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  const env = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    PORT: String(port),
    API_URL: apiUrl,
    NODE_ENV: "production",
    // The default limit's check stays on the measured path, at a rate no scenario reaches (600/60 would refuse most).
    WEBHOOK_DEFAULT_RATE_LIMIT: "1000000/1",
    // The sync-webhook scenario holds 5,000 waiting deliveries (and the events one hundreds of streams) at once.
    API_MAX_CONNECTIONS: "20000",
    LOG_FORMAT: "json",
    LOG_LEVEL: "info",
    // Subscription secrets are stored sealed (webhook-e2e-subscribed creates one).
    SECRET_KEY: randomBytes(32).toString("base64"),
  };
  return { env, apiUrl };
}

/** The api from its bundle, once it answers its health check. */
export async function startBenchApi(env: Record<string, string>, apiUrl: string, stamp: number): Promise<BenchService> {
  const api = spawnBenchService("api", env, stamp);
  await waitFor(async () => (await fetch(`${apiUrl}/healthz`).catch(() => null))?.ok === true, "api");
  return api;
}

/** A fresh database on the server, migrated with `prisma migrate deploy`; `drop` removes it. */
export async function createBenchDatabase(
  serverUrl: string,
  database: string,
): Promise<{ databaseUrl: string; drop: () => Promise<void> }> {
  const admin = new pg.Client(pgConnectionOptions(serverUrl));
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  await admin.end();
  const databaseUrl = withDatabase(serverUrl, database);
  execFileSync(join(REPO_ROOT, "node_modules/.bin/prisma"), ["migrate", "deploy"], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: "pipe",
  });
  return {
    databaseUrl,
    drop: async () => {
      const cleanup = new pg.Client(pgConnectionOptions(serverUrl));
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

/** The services run as in production: the bundles of `npm run build`, built from the sources being measured. */
export function buildBundles(): void {
  execFileSync(process.execPath, ["--import", "tsx", join(REPO_ROOT, "scripts/build.ts")], {
    cwd: REPO_ROOT,
    stdio: "pipe",
  });
}

export async function deleteKeysAt(redisUrl: string, pattern: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    await deleteKeys(redis, pattern);
  } finally {
    redis.disconnect();
  }
}

function spawnBenchService(name: ServiceName, env: Record<string, string>, stamp: number | string): BenchService {
  mkdirSync(WORK_DIR, { recursive: true });
  const logPath = join(WORK_DIR, `${stamp}-${name}.log`);
  const fd = openSync(logPath, "w");
  const args = [...PRODUCTION_NODE_FLAGS, join(REPO_ROOT, `dist/${name}.js`)];
  // BENCH_CPU_PROF=1 writes a V8 CPU profile of each service into bench/.work on exit.
  if (process.env.BENCH_CPU_PROF === "1")
    args.unshift("--cpu-prof", `--cpu-prof-dir=${join(WORK_DIR, `${stamp}-${name}-prof`)}`);
  // BENCH_NODE_ARGS: extra node flags for each service (--trace-gc, --heap-prof, V8 heap sizes), space-separated.
  const extra = process.env.BENCH_NODE_ARGS?.split(" ").filter((a) => a !== "") ?? [];
  args.unshift(...extra);
  const proc = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    // Metrics listeners on free ports: a `make dev` on the same host holds the fixed defaults.
    env: { ...process.env, METRICS_PORT: "0", BEAT_METRICS_PORT: "0", ...env },
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  const exited = new Promise<void>((resolve) => proc.once("close", () => resolve()));
  return {
    name,
    proc,
    logPath,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      await exited;
    },
  };
}

function logHas(path: string, message: string): boolean {
  return readFileSync(path, "utf8").includes(`"message":"${message}"`);
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not start within ${timeoutMs} ms`);
    await sleep(100);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `fn` returns true; rejects past the deadline. */
export async function until(fn: () => Promise<boolean>, what: string, timeoutMs: number, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Peak resident set size (VmHWM) of a process since it started, in MB. */
export function peakRssMb(pid: number): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match?.[1] === undefined ? null : Math.round(Number(match[1]) / 1024);
  } catch {
    return null;
  }
}
