/** Why a parked node waits: until an instant (delay), or for a named signal with an optional deadline. */
export type WaitState =
  | { kind: "delay"; resume_at: string }
  | { kind: "signal"; name: string; timeout_at: string | null; timeout_seconds: number | null }
  /** A workflow or map node waiting for its child runs (run_child_groups); `node_try`: the node's try it belongs to. */
  | { kind: "children"; group_id: string; node_try: number };

/** A waiting run's parked nodes, by node id (runs.waiting_for). */
export type WaitingFor = Record<string, WaitState>;

/**
 * Thrown by a node that must wait: the executor parks it (no step, its successors stay unready), runs what
 * else it can, and the run becomes `waiting`. Never retried, never a failure.
 */
export class ParkRequest extends Error {
  override name = "ParkRequest";
  constructor(readonly state: WaitState) {
    super("parked");
  }
}

/** When a resume job must come for these waits: the earliest delay end or signal deadline, if any. */
export function nextWakeUp(waits: WaitingFor): Date | null {
  const times = Object.values(waits).flatMap((w) =>
    w.kind === "delay"
      ? [Date.parse(w.resume_at)]
      : w.kind === "children" || w.timeout_at === null
        ? []
        : [Date.parse(w.timeout_at)],
  );
  return times.length === 0 ? null : new Date(Math.min(...times));
}
