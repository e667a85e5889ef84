import type { Config } from "../config";
import type { Deps } from "../deps";
import { createRedis, type RedisTarget } from "../redis";
import { createWebhookAnswerWaiter, type WebhookAnswerWaiter } from "../triggers/webhook/webhook-answer-waiter";
import { createRunChangePublisher, type RunChangePublisher } from "./run-change-publisher";
import { createRunChangeSubscriber } from "./run-change-subscriber";
import { createRunEventStreams, type RunEventStreams } from "./run-event-streams";

/**
 * An API process's live side: the run event streams and the waiting webhook deliveries over one subscriber
 * connection (opened on first use), and the publisher of the changes the API itself makes (cancel, caller-driven
 * transitions). `close` ends every stream and answers every waiting delivery (202), for a shutdown.
 */
export type LiveRuns = {
  streams: RunEventStreams;
  answers: WebhookAnswerWaiter;
  publisher: RunChangePublisher;
  close: () => Promise<void>;
};

/** Every stream and waiting delivery is read again this often whatever was heard: the backstop for a lost message. */
const POLL_MS = 5_000;

export function createLiveRuns(
  deps: Pick<Deps, "db" | "redis" | "logger"> &
    Partial<Pick<Deps, "changes">> & {
      config: RedisTarget & Pick<Config, "QUEUE_PREFIX" | "RUN_EVENTS_HEARTBEAT_SECONDS">;
    },
): LiveRuns {
  const { config, logger, db } = deps;
  // Role "worker": a subscriber waits, and reconnects, forever. On the same Redis as the rest (Sentinel, Cluster).
  const subscriber = createRunChangeSubscriber(() => createRedis(config, "worker"), config.QUEUE_PREFIX, logger);
  const streams = createRunEventStreams(db, subscriber, logger, {
    heartbeatMs: config.RUN_EVENTS_HEARTBEAT_SECONDS * 1_000,
    pollMs: POLL_MS,
  });
  const answers = createWebhookAnswerWaiter(db, subscriber, logger, POLL_MS);
  // The process's own publisher (a test may build the live side without one).
  const publisher = deps.changes ?? createRunChangePublisher(deps.redis, config.QUEUE_PREFIX, logger);
  return {
    streams,
    answers,
    publisher,
    close: async () => {
      streams.close();
      answers.close();
      await publisher.flush();
      await subscriber.close();
    },
  };
}
