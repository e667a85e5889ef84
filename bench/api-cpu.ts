/**
 * The api's CPU per accepted webhook POST: `flock /work/bench.lock npx tsx bench/api-cpu.ts [requests] [clients]`.
 *
 * A fresh database (migrated with `prisma migrate deploy`) and a queue prefix of its own, the api alone as a real
 * process from its bundle with its production flags and settings (no worker: the execute_run jobs just queue in
 * Redis), the bench's one-node `set` workflow, then `requests` (10,000) unsigned POSTs from `clients` (64)
 * keep-alive loops after a warm-up of 2,000. The figure is the api's utime + stime (/proc/<pid>/stat) over the
 * measured requests divided by their number, steadier on a shared machine than any wall-clock rate. Prints one
 * JSON line; drops the database and the Redis keys at the end. BENCH_CPU_PROF=1 also writes a V8 CPU profile of
 * the api into bench/.work/ (of the whole process life; the warm-up and start-up are in it too). API_CPU_ROUNDS=n
 * repeats the measured part n times and reports each round (the median is the figure to compare).
 */
import pg from "pg";
import { pgConnectionOptions } from "@switchyard/core/db-url";
import {
  benchServiceEnv,
  buildBundles,
  createBenchDatabase,
  deleteKeysAt,
  peakRssMb,
  startBenchApi,
} from "./lib/bench-env";
import { cpuMs } from "./lib/cpu-time";
import { createBenchWorkflow, webhookPath } from "./lib/bench-workflow";
import { createHttpClient, runClosedLoop } from "./lib/http-load";
import { round } from "./lib/stats";

const requests = Number(process.argv[2] ?? 10_000);
const clients = Number(process.argv[3] ?? 64);
const rounds = Number(process.env.API_CPU_ROUNDS ?? 1);
const serverUrl = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const redisUrl = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

const stamp = Date.now();
const prefix = `syapicpu-${stamp}`;
const db = await createBenchDatabase(serverUrl, `switchyard_apicpu_${stamp}`);
const databaseUrl = db.databaseUrl;
buildBundles();
const { env, apiUrl } = await benchServiceEnv(databaseUrl, redisUrl, prefix);
const api = await startBenchApi(env, apiUrl, stamp);
const client = createHttpClient(apiUrl, clients);

try {
  const path = webhookPath(await createBenchWorkflow(client, "bench-api-cpu"));
  const post = (i: number) => client.send("POST", path, { n: i });
  await runClosedLoop(2_000, clients, post);

  // Statements the api ran per request: each of its statements outside a transaction is one commit.
  const stats = new pg.Client(pgConnectionOptions(databaseUrl));
  await stats.connect();
  const commits = async () =>
    Number(
      (
        await stats.query<{ n: string }>(
          "SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()",
        )
      ).rows[0]!.n,
    );
  await stats.query("SELECT pg_stat_clear_snapshot()");
  const commitsBefore = await commits();
  const perRound: number[] = [];
  let non202 = 0;
  let wallMs = 0;
  for (let r = 0; r < rounds; r++) {
    const before = cpuMs(api.proc.pid!) ?? 0;
    const started = performance.now();
    const results = await runClosedLoop(requests, clients, post);
    wallMs += performance.now() - started;
    perRound.push(((cpuMs(api.proc.pid!) ?? 0) - before) / requests);
    non202 += results.filter((x) => x.status !== 202).length;
  }
  // pg_stat_database lags by up to a second (stats_fetch_consistency, the stats collector's flush interval).
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  await stats.query("SELECT pg_stat_clear_snapshot()");
  const commitsPerRequest = (await commits()) - commitsBefore;
  await stats.end();
  const sorted = [...perRound].sort((a, b) => a - b);
  process.stdout.write(
    `${JSON.stringify({
      scenario: "api-cpu",
      requests,
      clients,
      rounds,
      cpu_ms_per_request: round(sorted[Math.floor(sorted.length / 2)]!, 3),
      per_round: perRound.map((x) => round(x, 3)),
      pg_commits_per_request: round(commitsPerRequest / (requests * rounds), 3),
      accepted_per_s: round(((requests * rounds - non202) / wallMs) * 1000, 0),
      non_202: non202,
      api_peak_rss_mb: peakRssMb(api.proc.pid!),
    })}\n`,
  );
} finally {
  client.close();
  await api.stop();
  await deleteKeysAt(redisUrl, `${prefix}*`);
  await db.drop();
}
