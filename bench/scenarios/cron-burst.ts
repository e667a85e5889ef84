import { Queue } from "bullmq";
import { Redis } from "ioredis";
import type pg from "pg";
import { until } from "../lib/bench-env";
import { SET_GRAPH } from "../lib/bench-workflow";
import { round } from "../lib/stats";

export type CronBurstResult = {
  scenario: "cron-burst";
  workflows: number;
  tick_to_created_s: number;
  tick_to_succeeded_s: number;
};

/**
 * `workflows` cron triggers all due at the current minute (written straight into Postgres, in one transaction, so
 * they appear at once), then the beat's next tick dispatches them. The tick is the moment the beat's
 * cron_dispatch job started (BullMQ's processedOn); runs' times come from Postgres. Each trigger ends at that
 * occurrence, so the burst fires exactly once.
 */
export async function runCronBurst(
  pool: pg.Pool,
  redisUrl: string,
  prefix: string,
  workflows = 10_000,
): Promise<CronBurstResult> {
  await pool.query(
    `WITH w AS (
       INSERT INTO workflows (id, name, handle)
       SELECT gen_random_uuid(), 'bench-cron-' || i, 'bench-cron-' || i FROM generate_series(1, $1::int) i
       RETURNING id
     ), v AS (
       INSERT INTO workflow_versions (id, workflow_id, version, graph) SELECT gen_random_uuid(), id, 1, $2::jsonb FROM w
     )
     INSERT INTO cron_triggers (workflow_id, expression, timezone, allow_overlapping, end_at, catchup, saved_at)
     SELECT id, '* * * * *', 'UTC', false, date_trunc('minute', now()), 'all', date_trunc('minute', now()) FROM w`,
    [workflows, JSON.stringify(SET_GRAPH)],
  );
  const count = async (where: string) => {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM runs WHERE triggered_by = 'cron' AND ${where}`,
    );
    return rows[0]!.n;
  };
  await until(async () => (await count("true")) >= workflows, "cron runs to be created", 120_000);
  await until(async () => (await count("completed_at IS NOT NULL")) >= workflows, "cron runs to finish", 600_000, 250);
  const { rows } = await pool.query<{ first: Date; created: Date; succeeded: Date; failed: number }>(
    `SELECT min(created_at) AS first, max(created_at) AS created, max(completed_at) AS succeeded,
            count(*) FILTER (WHERE status <> 'succeeded')::int AS failed
     FROM runs WHERE triggered_by = 'cron'`,
  );
  const { first, created, succeeded, failed } = rows[0]!;
  if (failed > 0) throw new Error(`cron-burst: ${failed} runs did not succeed`);
  const tick = await findTick(redisUrl, prefix, first.getTime());
  await pool.query(`DELETE FROM cron_triggers`);
  return {
    scenario: "cron-burst",
    workflows,
    tick_to_created_s: round((created.getTime() - tick) / 1000, 2),
    tick_to_succeeded_s: round((succeeded.getTime() - tick) / 1000, 2),
  };
}

/** When the beat's cron_dispatch job that created the runs started: the latest one started before them. */
async function findTick(redisUrl: string, prefix: string, firstCreatedAt: number): Promise<number> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue("beat", { connection, prefix });
  try {
    const jobs = await queue.getJobs(["completed", "failed", "active"], 0, 200);
    const started = jobs.map((j) => j.processedOn ?? 0).filter((t) => t > 0 && t <= firstCreatedAt);
    if (started.length === 0) throw new Error("no cron_dispatch job started before the burst's runs");
    return Math.max(...started);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}
