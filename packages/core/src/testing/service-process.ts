import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { REPO_ROOT } from "./test-database";

export type LogLine = Record<string, unknown> & { message?: string; level?: string };

export type ServiceProcess = {
  proc: ChildProcess;
  logs: LogLine[];
  /** stderr, line by line (config errors and crashes land here). */
  stderr: string[];
  /** Resolves with the first log line (past or future) matching `pred`; rejects on timeout or exit. */
  waitForLog: (pred: (line: LogLine) => boolean, timeoutMs?: number) => Promise<LogLine>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
};

/**
 * Starts a real app process (`apps/<name>/src/main.ts` through tsx) with JSON logs captured line by line;
 * `built`: its bundle instead (`dist/<name>.js`, `npm run build`), as production runs it.
 */
export function spawnService(
  name: "api" | "worker" | "beat",
  env: Record<string, string>,
  { built = false }: { built?: boolean } = {},
): ServiceProcess {
  const args = built
    ? ["--enable-source-maps", "--max-old-space-size=512", join(REPO_ROOT, `dist/${name}.js`)]
    : ["--import", "tsx", join(REPO_ROOT, `apps/${name}/src/main.ts`)];
  const proc = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    // Metrics listeners on free ports, so services of parallel tests never collide on the fixed defaults.
    env: { ...process.env, LOG_FORMAT: "json", LOG_LEVEL: "info", METRICS_PORT: "0", BEAT_METRICS_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: LogLine[] = [];
  const waiters: { pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  const stderr: string[] = [];
  createInterface({ input: proc.stdout! }).on("line", (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      line = { message: text };
    }
    logs.push(line);
    for (const w of [...waiters]) {
      if (w.pred(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  createInterface({ input: proc.stderr! }).on("line", (text) => stderr.push(text));
  const exited = new Promise<number | null>((resolve) => proc.on("close", (code) => resolve(code)));

  const waitForLog = (pred: (line: LogLine) => boolean, timeoutMs = 20_000) => {
    const found = logs.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise<LogLine>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(`${name}: no matching log line within ${timeoutMs} ms; stderr: ${stderr.slice(-20).join("\n")}`),
        );
      }, timeoutMs);
      waiters.push({
        pred,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited with ${String(code)}; stderr: ${stderr.slice(-20).join("\n")}`));
      });
    });
  };
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    return exited;
  };
  return { proc, logs, stderr, waitForLog, exited, stop };
}

/** Polls `fn` until it returns a non-undefined value (for database state no event announces). */
export async function eventually<T>(
  fn: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A worker process for `env` (a test API's `deps.env`), returned once it has logged that it started. */
export async function startWorker(env: Record<string, string>, timeoutMs?: number): Promise<ServiceProcess> {
  // At info whatever `env` says: the start is an info line.
  const worker = spawnService("worker", { ...env, LOG_LEVEL: "info" });
  try {
    await worker.waitForLog((l) => l.message === "worker started", timeoutMs);
  } catch (err) {
    await worker.stop("SIGKILL");
    throw err;
  }
  return worker;
}
