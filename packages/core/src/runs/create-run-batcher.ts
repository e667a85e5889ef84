import { randomUUID } from "node:crypto";
import type { Db } from "../db";
import { createRuns, type CreatedRun, type NewRun } from "./create-runs";

/** Creates one run; resolves with it once committed, or null when a unique key (idempotency key) refused it. */
export type RunBatcher = (run: NewRun) => Promise<CreatedRun | null>;

const MAX_BATCH = 500;

/**
 * Coalesces the single-run creations issued in one turn of the event loop into one `createRuns` statement (one
 * round trip and one commit for all of them): under load many webhook deliveries reach their insert together.
 * Each caller resolves only after the statement committed, so commit-before-enqueue holds per run; unique keys
 * still decide exactly-once (a duplicate in the same batch is refused by `ON CONFLICT DO NOTHING` like any other).
 * A failed batch of several runs is retried one run per statement, so a run Postgres refuses fails alone.
 */
export function createRunBatcher(db: Db): RunBatcher {
  type Waiter = { run: NewRun & { id: string }; resolve: (r: CreatedRun | null) => void; reject: (e: unknown) => void };
  let waiting: Waiter[] = [];
  let scheduled = false;

  const settle = async (batch: readonly Waiter[]) => {
    const created = await createRuns(
      db,
      batch.map((w) => w.run),
    );
    const byId = new Map(created.map((c) => [c.run.id, c]));
    for (const w of batch) w.resolve(byId.get(w.run.id) ?? null);
  };

  const flush = () => {
    scheduled = false;
    const batch = waiting;
    waiting = [];
    if (batch.length === 0) return;
    settle(batch).catch((err: unknown) => {
      if (batch.length === 1) return batch[0]!.reject(err);
      for (const w of batch) settle([w]).catch(w.reject);
    });
  };

  return (run) =>
    new Promise<CreatedRun | null>((resolve, reject) => {
      waiting.push({ run: { ...run, id: run.id ?? randomUUID() }, resolve, reject });
      if (waiting.length >= MAX_BATCH) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
}
