import { randomUUID } from "node:crypto";
import type { Db } from "../db";
import { coalescePerTurn } from "../coalesce";
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
  const create = coalescePerTurn<NewRun & { id: string }, CreatedRun | null>({
    settle: async (runs) => {
      const byId = new Map((await createRuns(db, runs)).map((c) => [c.run.id, c]));
      return runs.map((r) => byId.get(r.id) ?? null);
    },
    maxBatch: MAX_BATCH,
  });
  return (run) => create({ ...run, id: run.id ?? randomUUID() });
}
