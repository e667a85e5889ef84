import type { RedisConnection } from "../redis";
import type { Logger } from "../logger";
import { errorMessage } from "../errors";
import type { RunRow } from "../runs/run-row";
import type { TransitionBatcher } from "../runs/transition-batcher";
import { runChangesChannel, type RunChange } from "./run-change";

/**
 * Tells the API processes that runs changed, after the commit. The changes of one turn of the event loop go out as
 * one PUBLISH (a worker's batched starts and outcomes: one message per batch, not per run), so nobody listening costs
 * one small command per batch. A lost message delays a stream until its next poll; it never loses an event, which
 * live in Postgres.
 */
export type RunChangePublisher = {
  /** `run` was changed to its current status (a transition's result). */
  changed: (
    run: Pick<RunRow, "id" | "workflowId" | "status" | "attempt" | "updatedAt"> & Partial<Pick<RunRow, "parentRunId">>,
  ) => void;
  /** Steps of the run were written without a status change. */
  stepsRecorded: (run: Pick<RunRow, "id" | "workflowId" | "attempt">) => void;
  /** Sends what is still gathered. */
  flush: () => Promise<void>;
};

export function createRunChangePublisher(redis: RedisConnection, prefix: string, logger: Logger): RunChangePublisher {
  const channel = runChangesChannel(prefix);
  let gathered: RunChange[] = [];
  let scheduled: NodeJS.Immediate | null = null;
  let sending: Promise<void> = Promise.resolve();

  const send = () => {
    scheduled = null;
    if (gathered.length === 0) return sending;
    const message = JSON.stringify(gathered);
    gathered = [];
    sending = redis.publish(channel, message).then(
      () => undefined,
      (err: unknown) => {
        logger.warn("run changes not published", { error: errorMessage(err) });
      },
    );
    return sending;
  };
  const add = (change: RunChange) => {
    gathered.push(change);
    scheduled ??= setImmediate(send);
  };
  return {
    changed: (run) =>
      add({
        run_id: run.id,
        workflow_id: run.workflowId,
        status: run.status,
        attempt: run.attempt,
        at: run.updatedAt.toISOString(),
        ...(typeof run.parentRunId === "string" && { parent_run_id: run.parentRunId }),
      }),
    stepsRecorded: (run) =>
      add({
        run_id: run.id,
        workflow_id: run.workflowId,
        status: null,
        attempt: run.attempt,
        at: new Date().toISOString(),
      }),
    flush: async () => {
      if (scheduled !== null) clearImmediate(scheduled);
      await send();
    },
  };
}

/** A transition batcher whose applied transitions are published once committed. */
export function publishingTransitions(batcher: TransitionBatcher, publisher: RunChangePublisher): TransitionBatcher {
  return async (t) => {
    const run = await batcher(t);
    if (run !== null) publisher.changed(run);
    return run;
  };
}
