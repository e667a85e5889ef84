/**
 * `npm run bench`: starts the api, one worker and the beat as real processes over a fresh database and queue
 * prefix, runs every scenario, prints one JSON object per scenario and a summary table, and writes
 * bench/results/<timestamp>-<commit>.json. `npm run bench -- latency list-runs` runs only the named scenarios
 * (raw-bullmq always runs: it is the ceiling the ratios refer to).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, peakRssMb, startBenchEnv, until } from "./lib/bench-env";
import { createHttpClient } from "./lib/http-load";
import { serverPids } from "./lib/cpu-time";
import { checkTargets, formatTable } from "./lib/report";
import { round } from "./lib/stats";
import { runCodeNode } from "./scenarios/code-node";
import { runCronBurst } from "./scenarios/cron-burst";
import { runKeyedConcurrency } from "./scenarios/keyed-concurrency";
import { runLatency } from "./scenarios/latency";
import { runListRuns } from "./scenarios/list-runs";
import { runEvents } from "./scenarios/events";
import { runSyncWebhook } from "./scenarios/sync-webhook";
import { runRawBullmq } from "./scenarios/raw-bullmq";
import { runWebhookE2e } from "./scenarios/webhook-e2e";
import { runWebhookE2eSubscribed } from "./scenarios/webhook-e2e-subscribed";
import { runFanOut } from "./scenarios/fan-out";
import { runInboxFlood } from "./scenarios/inbox-flood";
import { runScale } from "./scenarios/scale";
import { openRunStreams } from "./scenarios/streams-open";

const ALL = [
  "raw-bullmq",
  "webhook-e2e",
  "webhook-e2e-subscribed",
  "keyed-concurrency",
  "latency",
  "cron-burst",
  "list-runs",
  "memory",
  "code-node",
  "fan-out",
  "inbox-flood",
  "events",
  "sync-webhook",
  "streams-open",
] as const;
// Run only when named (`npm run bench -- scale`): it starts four deployments of its own.
const OPTIONAL = ["scale"] as const;
const wanted = new Set(process.argv.slice(2).length > 0 ? ["raw-bullmq", ...process.argv.slice(2)] : ALL);
const serverUrl = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const redisUrl = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

const git = (...args: string[]) => execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8" }).trim();
const commit = git("rev-parse", "--short=12", "HEAD");
const dirty = git("status", "--porcelain", "--untracked-files=no", "--", "apps", "packages", "prisma").length > 0;
const startedAt = new Date();
const loadBefore = loadavg().map((l) => round(l, 2));

const results: (Record<string, unknown> & { scenario: string })[] = [];
const emit = (r: Record<string, unknown> & { scenario: string }) => {
  results.push(r);
  process.stdout.write(`${JSON.stringify(r)}\n`);
};

const env = await startBenchEnv(serverUrl, redisUrl);
const client = createHttpClient(env.apiUrl, 256);
// Interrupted: still stop the services and drop the database.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    client.close();
    void env.close().finally(() => process.exit(130));
  });
}
let rawProcessedPerS = 0;
/**
 * Before each scenario: what the earlier ones left behind (dead row versions, a million list-runs rows) is vacuumed
 * and analysed, and any autovacuum of the bench database has finished, so no scenario pays for another's cleanup.
 */
const settle = async () => {
  await env.pool.query("VACUUM (ANALYZE)");
  await until(
    async () =>
      (
        await env.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE backend_type = 'autovacuum worker' AND datname = current_database()`,
        )
      ).rows[0]!.n === 0,
    "autovacuum of the bench database to finish",
    120_000,
    250,
  );
};
const settled = async <T>(scenario: () => Promise<T>): Promise<T> => {
  await settle();
  return scenario();
};
try {
  const raw = await runRawBullmq(redisUrl, env.prefix);
  emit(raw);
  rawProcessedPerS = raw.processed_per_s;
  const pids = () => ({
    api: [env.services.api.proc.pid!],
    worker: [env.services.worker.proc.pid!],
    beat: [env.services.beat.proc.pid!],
    ...serverPids(new URL(env.databaseUrl).pathname.slice(1)),
  });
  let webhookCompletedPerS: number | null = null;
  const e2eNeeded = ["webhook-e2e", "memory", "keyed-concurrency", "webhook-e2e-subscribed"];
  if (e2eNeeded.some((name) => wanted.has(name))) {
    const unlimited = await runWebhookE2e(client, env.pool, raw.processed_per_s, pids);
    webhookCompletedPerS = unlimited.completed_per_s;
    emit(unlimited);
    // VmHWM is the peak since the process started: the processes were idle before webhook-e2e.
    emit({
      scenario: "memory",
      during: "webhook-e2e",
      api_peak_rss_mb: peakRssMb(env.services.api.proc.pid!),
      worker_peak_rss_mb: peakRssMb(env.services.worker.proc.pid!),
    });
    // Compared with the unlimited figure of this same run: the machine's load moves both.
    if (wanted.has("keyed-concurrency")) {
      emit(await settled(() => runKeyedConcurrency(client, env.pool, unlimited.completed_per_s, pids)));
    }
  }
  // Compared with plain passes of its own, run just before and after it.
  if (wanted.has("webhook-e2e-subscribed")) {
    emit(await settled(() => runWebhookE2eSubscribed(client, env.pool, webhookCompletedPerS, pids)));
  }
  if (wanted.has("latency")) emit(await settled(() => runLatency(client, env.pool)));
  // The throughput and latency targets again, with 200 run event streams open on the API.
  if (wanted.has("streams-open")) {
    await settle();
    const streams = await openRunStreams(client, env.pool, env.apiUrl, 200);
    const e2e = await runWebhookE2e(
      client,
      env.pool,
      raw.processed_per_s,
      pids,
      20_000,
      64,
      "bench-webhook-e2e-streams",
    );
    await settle();
    const latency = await runLatency(client, env.pool, 200, 30, "bench-latency-streams");
    const closed = await streams.close();
    emit({ ...e2e, scenario: "webhook-e2e-streams-open", ...closed });
    emit({ ...latency, scenario: "latency-streams-open", ...closed });
  }
  if (wanted.has("cron-burst")) emit(await settled(() => runCronBurst(env.pool, redisUrl, env.prefix)));
  if (wanted.has("list-runs")) emit(await settled(() => runListRuns(client, env.pool)));
  if (wanted.has("fan-out")) emit(await settled(() => runFanOut(client, env.pool, webhookCompletedPerS)));
  if (wanted.has("inbox-flood")) emit(await settled(() => runInboxFlood(client, env.pool, env.apiUrl)));
  if (wanted.has("events")) emit(await settled(() => runEvents(client, env.apiUrl, pids)));
  if (wanted.has("sync-webhook"))
    emit(await settled(() => runSyncWebhook(client, env.pool, env.apiUrl, env.services.api.proc.pid!)));
  // Last: its code threads stay in the worker afterwards, and it measures its own set workflow to compare with.
  if (wanted.has("code-node")) emit(await settled(() => runCodeNode(client, env.pool, pids)));
} finally {
  client.close();
  await env.close();
}
if (wanted.has(OPTIONAL[0])) emit(await runScale(serverUrl, redisUrl, rawProcessedPerS));

const checks = checkTargets(results);
const table = formatTable(checks);
process.stdout.write(`\n${table}\n`);

const machine = {
  cpus: cpus().length,
  cpu_model: cpus()[0]?.model ?? "unknown",
  memory_mb: Math.round(totalmem() / 1024 / 1024),
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  loadavg_before: loadBefore,
  loadavg_after: loadavg().map((l) => round(l, 2)),
};
const stamp = startedAt.toISOString().replace(/[:.]/g, "-");
const file = join(REPO_ROOT, "bench/results", `${stamp}-${commit}.json`);
mkdirSync(join(REPO_ROOT, "bench/results"), { recursive: true });
writeFileSync(
  file,
  `${JSON.stringify({ commit, dirty, started_at: startedAt.toISOString(), machine, scenarios: results, checks }, null, 2)}\n`,
);
process.stdout.write(`\nresults written to ${file}\n`);
