import type { RedisConnection } from "../redis";
import type { Logger } from "../logger";
import { errorMessage } from "../errors";
import { parseRunChanges, runChangesChannel, type RunChange } from "./run-change";

export type RunChangeListener = {
  /** The changes of one published message. */
  changes: (changes: RunChange[]) => void;
  /** Subscribed (again): messages may have been missed meanwhile, so whatever waits should look in Postgres. */
  resync: () => void;
};

/**
 * One process's single subscriber connection to the run changes channel, shared by every stream and every waiting
 * delivery: opened on the first listener (a process nobody follows never subscribes), resubscribed by ioredis after
 * a reconnect, each (re)subscription announced with `resync`.
 */
export type RunChangeSubscriber = {
  listen: (listener: RunChangeListener) => () => void;
  close: () => Promise<void>;
};

export function createRunChangeSubscriber(
  connect: () => RedisConnection,
  prefix: string,
  logger: Logger,
): RunChangeSubscriber {
  const channel = runChangesChannel(prefix);
  const listeners = new Set<RunChangeListener>();
  let connection: RedisConnection | null = null;
  let closed = false;
  const resync = () => {
    for (const l of listeners) l.resync();
  };
  const open = () => {
    const redis = connect();
    redis.on("error", (err: Error) => logger.warn("run changes subscriber error", { err: err.message }));
    redis.on("message", (ch: string, message: string) => {
      if (ch !== channel) return;
      const changes = parseRunChanges(message);
      if (changes.length > 0) for (const l of listeners) l.changes(changes);
    });
    let subscribedOnce = false;
    // ioredis resubscribes by itself after a reconnect; what was published meanwhile is looked up instead.
    redis.on("ready", () => {
      if (subscribedOnce) setImmediate(resync);
    });
    redis.subscribe(channel).then(
      () => {
        subscribedOnce = true;
        resync();
      },
      (err: unknown) => logger.warn("run changes not subscribed", { error: errorMessage(err) }),
    );
    return redis;
  };
  return {
    listen: (listener) => {
      listeners.add(listener);
      if (connection === null && !closed) connection = open();
      return () => listeners.delete(listener);
    },
    close: async () => {
      closed = true;
      listeners.clear();
      const c = connection;
      connection = null;
      if (c !== null) await c.quit().catch(() => c.disconnect());
    },
  };
}
