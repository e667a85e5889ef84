import { coalescePerTurn } from "../coalesce";
import { queryRows, type Queryable } from "../db";
import type { RunRoute } from "../jobs/run-route";
import { LIMITED_WORKFLOW_SQL } from "../runs/transition-sql";

/** What a limited start reads of its run: the input its keys are evaluated on, and its workflow's expressions. */
export type LimitedCandidate = {
  input: unknown;
  keyExpression: string | null;
  rateKeyExpression: string | null;
  workflowWide: boolean;
  /** The run's queue and priority (routing): where a job of its own goes. */
  route: { queue: string; priority: number };
};

/**
 * A run a freed slot woke: a pending one refused a start, with what its limited start reads (read with the wake,
 * so it is not read again), or a waiting one refused a resume (`resume`). `route`: where its job goes.
 */
export type WokenRun = { id: string; route: RunRoute; resume: boolean; candidate: LimitedCandidate };

/** A freed slot: the run that held it, its key, and whether its workflow has max_running. */
export type FreedSlot = { workflowId: string; key: string; workflowWide: boolean };

/**
 * The reads of limited starts and the wakes of freed slots, each coalesced per turn of the event loop into one
 * statement (`coalescePerTurn`): under load every limited run makes one of each, so they share round trips and
 * commits as the worker's transitions do.
 */
export type FlowBatchers = {
  /** The run if it is pending, due and of a workflow with flow limits; null otherwise. */
  candidate: (runId: string) => Promise<LimitedCandidate | null>;
  /** The runs the freed slot wakes (`wakeBlockedRuns`). */
  wake: (slot: FreedSlot) => Promise<WokenRun[]>;
};

export function createFlowBatchers(db: Queryable): FlowBatchers {
  const candidate = coalescePerTurn<string, LimitedCandidate | null>({
    settle: (ids) => readCandidates(db, ids),
    identity: (id) => id,
    retryAlone: () => false,
  });
  const wake = coalescePerTurn<FreedSlot, WokenRun[]>({
    settle: (slots) => readWoken(db, slots),
    // Each slot wakes its own run: two slots of one key (or of one workflow-wide limit) never share a statement.
    identity: (s) => (s.workflowWide ? s.workflowId : `${s.workflowId}:${s.key}`),
    retryAlone: () => false,
  });
  return { candidate, wake };
}

/** The one-statement reads without a batcher (one item each). */
export const unbatchedFlow = (db: Queryable): FlowBatchers => ({
  candidate: async (id) => (await readCandidates(db, [id]))[0] ?? null,
  wake: async (slot) => (await readWoken(db, [slot]))[0] ?? [],
});

async function readCandidates(db: Queryable, ids: readonly string[]): Promise<(LimitedCandidate | null)[]> {
  const rows = await queryRows<CandidateRow & { id: string }>(
    db,
    `SELECT r.id::text AS id, r.queue, r.priority, r.input_payload AS input, w.concurrency_key AS "keyExpression",
            w.rate_key AS "rateKeyExpression", w.max_running IS NOT NULL AS "workflowWide"
     FROM runs r JOIN workflows w ON w.id = r.workflow_id
     WHERE r.id = ANY($1::uuid[]) AND r.status = 'pending' AND (r.run_at IS NULL OR r.run_at <= clock_timestamp())
       AND EXISTS (${LIMITED_WORKFLOW_SQL})`,
    [ids],
    true,
  );
  const byId = new Map(rows.map(({ id, ...c }) => [id, candidateOf(c)]));
  return ids.map((id) => byId.get(id) ?? null);
}

/**
 * switchyard_wake_blocked takes the locks a start takes, in the same order, before it reads the marks. The woken
 * runs' inputs and expressions are read by this statement's own snapshot: neither changes while a run waits (a
 * change of the limits is seen by the start's guard).
 */
async function readWoken(db: Queryable, slots: readonly FreedSlot[]): Promise<WokenRun[][]> {
  const rows = await queryRows<CandidateRow & { ord: number; id: string; status: string }>(
    db,
    `SELECT b.slot_ord AS ord, b.run_id::text AS id, r.queue, r.priority, r.status, r.input_payload AS input,
            w.concurrency_key AS "keyExpression", w.rate_key AS "rateKeyExpression",
            w.max_running IS NOT NULL AS "workflowWide"
     FROM switchyard_wake_blocked($1::uuid[], $2::text[]) AS b
     JOIN runs r ON r.id = b.run_id JOIN workflows w ON w.id = r.workflow_id`,
    [slots.map((s) => s.workflowId), slots.map((s) => s.key)],
    true,
  );
  const woken = slots.map((): WokenRun[] => []);
  for (const { ord, id, status, ...row } of rows) {
    const candidate = candidateOf(row);
    woken[ord - 1]?.push({ id, route: { id, ...candidate.route }, resume: status === "waiting", candidate });
  }
  return woken;
}

type CandidateRow = Omit<LimitedCandidate, "route"> & { queue: string; priority: number };

function candidateOf({ queue, priority, ...rest }: CandidateRow): LimitedCandidate {
  return { ...rest, route: { queue, priority } };
}
