import type { RedisConnection } from "../redis";
import type { Logger } from "../logger";

/**
 * Cancelling a run that a worker is executing: the API publishes the run id on one pub/sub channel under the
 * queue prefix; every worker subscribes and aborts the run if it holds it. The status change itself is the
 * API's guarded transition; the abort only stops the work, whose fenced outcome then changes nothing.
 */
export function runCancelChannel(prefix: string): string {
  return `${prefix}:run-cancel`;
}

/** The reason a cancelled run's work in progress is aborted with. */
export const RUN_CANCELLED = "Run cancelled";

/** Best effort: a lost message only means the worker finishes the run's current work before it is refused. */
export async function publishRunCancel(
  redis: RedisConnection,
  prefix: string,
  runId: string,
  logger: Logger,
): Promise<void> {
  try {
    await redis.publish(runCancelChannel(prefix), runId);
  } catch (err) {
    logger.warn("cancel not delivered to the workers", {
      runId,
      err: err instanceof Error ? err.message : String(err),
    });
  }
}

/** The runs this process is executing, by id, each with the controller that stops it. */
export type RunAborts = {
  /** Registers a run; the returned function unregisters it. */
  track: (runId: string, controller: AbortController) => () => void;
  /** Aborts the run if this process holds it; false otherwise. */
  abort: (runId: string, reason: Error) => boolean;
};

export function createRunAborts(): RunAborts {
  const running = new Map<string, AbortController>();
  return {
    track: (runId, controller) => {
      running.set(runId, controller);
      return () => {
        if (running.get(runId) === controller) running.delete(runId);
      };
    },
    abort: (runId, reason) => {
      const controller = running.get(runId);
      if (controller === undefined) return false;
      controller.abort(reason);
      return true;
    },
  };
}

/**
 * Subscribes `subscriber` (a connection of its own: a subscribed connection takes no other commands) to the
 * cancel channel. Resolves once subscribed, so a worker that says it started hears every later cancel.
 */
export async function subscribeRunCancels(
  subscriber: RedisConnection,
  prefix: string,
  aborts: RunAborts,
  logger: Logger,
): Promise<void> {
  const channel = runCancelChannel(prefix);
  subscriber.on("message", (from: string, runId: string) => {
    if (from !== channel) return;
    if (aborts.abort(runId, new Error(RUN_CANCELLED))) logger.info("run cancel received, aborting", { runId });
  });
  await subscriber.subscribe(channel);
}
