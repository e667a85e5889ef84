import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { round } from "../lib/stats";

export type RawBullmqResult = { scenario: "raw-bullmq"; jobs: number; added_per_s: number; processed_per_s: number };

/** The ceiling: no-op jobs through a bare queue and worker (concurrency 50) in the same Redis. */
export async function runRawBullmq(redisUrl: string, prefix: string, jobs = 20_000): Promise<RawBullmqResult> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue("raw", { connection, prefix: `${prefix}-raw` });
  const addStart = performance.now();
  for (let i = 0; i < jobs; i += 1_000) {
    const batch = Array.from({ length: Math.min(1_000, jobs - i) }, (_, k) => ({
      name: "noop",
      data: { i: i + k },
      opts: { removeOnComplete: true, removeOnFail: true },
    }));
    await queue.addBulk(batch);
  }
  const addMs = performance.now() - addStart;

  const workerConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  let done = 0;
  let resolveDone!: () => void;
  const allDone = new Promise<void>((resolve) => (resolveDone = resolve));
  const processStart = performance.now();
  const worker = new Worker(
    "raw",
    async () => {
      if (++done === jobs) resolveDone();
    },
    { connection: workerConnection, prefix: `${prefix}-raw`, concurrency: 50 },
  );
  await allDone;
  const processMs = performance.now() - processStart;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  workerConnection.disconnect();
  return {
    scenario: "raw-bullmq",
    jobs,
    added_per_s: round((jobs / addMs) * 1000, 0),
    processed_per_s: round((jobs / processMs) * 1000, 0),
  };
}
