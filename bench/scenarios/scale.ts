import { startPrivatePgBouncer } from "@switchyard/core/testing/private-postgres";
import { startPrivateRedisCluster } from "@switchyard/core/testing/private-redis";
import { startBenchEnv, type BenchEnvOptions } from "../lib/bench-env";
import { serverPids } from "../lib/cpu-time";
import { createHttpClient } from "../lib/http-load";
import { round } from "../lib/stats";
import { runWebhookE2e, type WebhookE2eResult } from "./webhook-e2e";

type Setup = Pick<WebhookE2eResult, "accepted_per_s" | "completed_per_s" | "non_202" | "cpu_ms_per_run">;

export type ScaleResult = {
  scenario: "scale";
  requests: number;
  /**
   * webhook-e2e with one worker, Postgres and Redis direct, measured first and again last: the ratios compare with
   * the mean of the two, so a machine whose speed drifts during the scenario (a shared one) skews them less.
   */
  direct: Setup;
  direct_again: Setup;
  /** Every service through PgBouncer 1.18 in transaction mode (DATABASE_POOLER=transaction). */
  pgbouncer: Setup;
  pgbouncer_ratio: number;
  /** A local Redis Cluster of 3 masters and 3 replicas (REDIS_CLUSTER_NODES). */
  redis_cluster: Setup;
  redis_cluster_ratio: number;
  /** Two worker processes instead of one. */
  two_workers: Setup;
  two_workers_ratio: number;
};

/**
 * webhook-e2e (fewer requests) over four deployments, each with a fresh database, prefix and processes: direct,
 * through PgBouncer, on a Redis Cluster, and with two workers. On one 2-core machine the two workers share the
 * cores with everything else, so their figure shows the cost of coordination more than the gain of a second host.
 */
export async function runScale(
  serverUrl: string,
  redisUrl: string,
  rawProcessedPerS: number,
  requests = 5_000,
): Promise<ScaleResult> {
  const measure = async (options: BenchEnvOptions, url = redisUrl): Promise<Setup> => {
    const env = await startBenchEnv(serverUrl, url, options);
    const client = createHttpClient(env.apiUrl, 256);
    try {
      const pids = () => ({
        api: [env.services.api.proc.pid!],
        worker: env.workers.map((w) => w.proc.pid!),
        beat: [env.services.beat.proc.pid!],
        ...serverPids(new URL(env.databaseUrl).pathname.slice(1)),
      });
      const r = await runWebhookE2e(client, env.pool, rawProcessedPerS, pids, requests);
      return {
        accepted_per_s: r.accepted_per_s,
        completed_per_s: r.completed_per_s,
        non_202: r.non_202,
        cpu_ms_per_run: r.cpu_ms_per_run,
      };
    } finally {
      client.close();
      await env.close();
    }
  };
  const direct = await measure({});
  const bouncer = await startPrivatePgBouncer(
    { port: Number(new URL(serverUrl).port || 5432) },
    { default_pool_size: 40, max_client_conn: 1000 },
  );
  let pgbouncer: Setup;
  try {
    pgbouncer = await measure({
      serviceDatabaseUrl: (url) => bouncer.urlFor(url),
      env: { DATABASE_POOLER: "transaction" },
    });
  } finally {
    await bouncer.stop();
  }
  const cluster = await startPrivateRedisCluster();
  let redisCluster: Setup;
  try {
    redisCluster = await measure({ env: cluster.env });
  } finally {
    await cluster.stop();
  }
  const twoWorkers = await measure({ workers: 2 });
  const directAgain = await measure({});
  const baseline = (direct.completed_per_s + directAgain.completed_per_s) / 2;
  const ratio = (s: Setup) => round(s.completed_per_s / baseline, 2);
  return {
    scenario: "scale",
    requests,
    direct,
    direct_again: directAgain,
    pgbouncer,
    pgbouncer_ratio: ratio(pgbouncer),
    redis_cluster: redisCluster,
    redis_cluster_ratio: ratio(redisCluster),
    two_workers: twoWorkers,
    two_workers_ratio: ratio(twoWorkers),
  };
}
