import type { Queue } from "bullmq";
import type { Logger } from "@switchyard/core/logger";
import type { RunsConsumer } from "./runs-consumer";

export type ConsumerWatchdog = { stop: () => void };

/**
 * Notices a consumer that stopped taking jobs while its connection is up (seen after Redis lost its keys or
 * restarted: a blocking fetch that never wakes): jobs are waiting, this worker has free slots, and no job started or
 * finished here for `idleSeconds`. It then replaces the consumer (a new BullMQ Worker on a new connection) and says
 * so in the log. Checks a few times per period; a check that fails (Redis away) just waits for the next one.
 */
export function startConsumerWatchdog(opts: {
  consumer: RunsConsumer;
  queue: Queue;
  concurrency: number;
  idleSeconds: number;
  logger: Logger;
}): ConsumerWatchdog {
  const { consumer, logger } = opts;
  const idleMs = opts.idleSeconds * 1_000;
  let checking = false;
  const check = async () => {
    if (checking) return;
    checking = true;
    try {
      const idleFor = Date.now() - consumer.lastActivityAt();
      if (idleFor < idleMs || consumer.activeJobs() >= opts.concurrency || !consumer.isConnected()) return;
      // Every execute_run job carries a priority (jobs/run-route.ts): those wait in BullMQ's prioritized set.
      const waiting = await opts.queue.getJobCountByTypes("waiting", "prioritized");
      if (waiting === 0) return;
      logger.warn("worker watchdog: jobs wait but the consumer took none, replacing it", {
        waiting,
        queue: opts.queue.name,
        idleSeconds: Math.round(idleFor / 1_000),
      });
      await consumer.replace();
      logger.info("worker watchdog replaced the consumer", { waiting, queue: opts.queue.name });
    } catch (err) {
      logger.debug("worker watchdog check failed", { err: err instanceof Error ? err.message : String(err) });
    } finally {
      checking = false;
    }
  };
  const timer = setInterval(() => void check(), Math.max(500, Math.floor(idleMs / 3)));
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
