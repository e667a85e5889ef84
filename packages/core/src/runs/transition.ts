import type { StepRecord } from "../engine/execute-graph";
import type { AuditAction } from "./audit-action";
import { sourcesOf, type RunStatus } from "./run-status";
import { toStepRows } from "./step-rows-sql";

/** One run's status change: the target, its guards, what it writes and its audit entry (`transitionRun`). */
export type Transition = {
  runId: string;
  to: RunStatus;
  actor: string;
  /** Audit action written with the change (e.g. `run_started`). */
  action: AuditAction;
  metadata?: Record<string, unknown>;
  /** Narrows the allowed source statuses below what the transition table permits. */
  from?: readonly RunStatus[];
  /** Fence: only change the run if it is still at this attempt (a worker that lost its job cannot write). */
  attempt?: number;
  /** Starting a run: started_at = now, attempt + 1. */
  start?: boolean;
  /** Only a run whose run_at has come (or has none) changes: a worker never starts a run early. */
  due?: boolean;
  outputPayload?: unknown;
  error?: string | null;
  /** runs.run_at: a run going back to pending for a run-level retry does not start before it. */
  runAt?: Date;
  /** runs.waiting_for: the parked nodes of a run going to `waiting`. */
  waitingFor?: unknown;
  /**
   * Steps appended in the same statement (with `attempt`): fenced on the attempt alone, exactly as `recordSteps`,
   * so they are kept even when the status guard refuses the change.
   */
  steps?: readonly StepRecord[];
  /** Skip steps already written (a retry of a write whose reply was lost; see `STEP_ROWS_SQL`). */
  dedupeSteps?: boolean;
  /** A run going to running: held by this worker until now + seconds (renewed by its heartbeat). */
  lease?: { owner: string; seconds: number };
  /** Only a run whose lease has expired changes (the sweeper's takeover of a run whose worker died). */
  leaseExpired?: boolean;
  /** Only a caller-driven run (created without `execute`) changes: the runs API's start, succeed and fail. */
  callerDriven?: boolean;
  /** Counts a takeover after an expired lease (runs.crash_recoveries + 1). */
  crashRecovery?: boolean;
  /**
   * A start under flow limits (docs/flow-control.md): "unlimited" starts only a run whose workflow has no limits
   * (a worker's first try); with the run's key values, it starts only if its workflow's concurrency and rate
   * limits allow it now (switchyard_start_wait, in the statement) and records the keys, or changes nothing. A
   * resume (waiting → running) with `resumeKey` takes a slot of that key if the concurrency limits allow it now
   * (switchyard_resume_wait), or changes nothing.
   */
  slot?: "unlimited" | { key: string; rateKey: string } | { resumeKey: string };
};

/** Transitions with the same shape have the same SQL text, and can share one statement (`transitionRuns`). */
export function transitionShape(t: Transition): string {
  const flag = (on: boolean) => (on ? "1" : "0");
  return (
    `${t.to}:${t.from?.join(",") ?? ""}:` +
    flag(t.start === true) +
    flag(t.due === true) +
    flag(t.outputPayload !== undefined) +
    flag(t.waitingFor !== undefined) +
    flag(t.runAt !== undefined) +
    flag(isLeased(t)) +
    flag(t.crashRecovery === true) +
    flag(t.error !== undefined) +
    flag(t.leaseExpired === true) +
    flag(t.attempt !== undefined) +
    flag(hasSteps(t)) +
    flag(t.dedupeSteps === true) +
    flag(t.callerDriven === true) +
    (t.slot === undefined ? "" : t.slot === "unlimited" ? "u" : "resumeKey" in t.slot ? "r" : "k")
  );
}

/** A transition's values by column: a parameter each in a one-run statement, a row's field in a batch. */
export const TRANSITION_COLUMNS = {
  ord: "int",
  id: "uuid",
  actor: "text",
  action: "text",
  metadata: "jsonb",
  output: "jsonb",
  waiting_for: "jsonb",
  run_at: "timestamptz",
  lease_owner: "text",
  lease_seconds: "int",
  error: "text",
  attempt: "int",
  steps: "jsonb",
  slot_key: "text",
  rate_key: "text",
} as const;
export type TransitionColumn = keyof typeof TRANSITION_COLUMNS;
export type TransitionValues = Record<TransitionColumn, unknown> & { id: string };

/** `t`'s values by column (`ord`: its place in a batch). */
export function transitionValues(t: Transition, ord: number): TransitionValues {
  return {
    ord,
    id: t.runId,
    actor: t.actor,
    action: t.action,
    metadata: t.metadata ?? {},
    output: t.outputPayload,
    waiting_for: t.waitingFor,
    run_at: t.runAt?.toISOString(),
    lease_owner: t.lease?.owner,
    lease_seconds: t.lease?.seconds,
    error: t.error,
    attempt: t.attempt,
    steps: hasSteps(t) ? toStepRows(t.steps ?? []) : undefined,
    slot_key: typeof t.slot !== "object" ? undefined : "resumeKey" in t.slot ? t.slot.resumeKey : t.slot.key,
    rate_key: typeof t.slot === "object" && "rateKey" in t.slot ? t.slot.rateKey : undefined,
  };
}

/** The statuses a run may leave to reach `t.to`: the transition table's, narrowed by `t.from`. */
export function allowedSources(t: Transition): RunStatus[] {
  return sourcesOf(t.to).filter((s) => t.from === undefined || t.from.includes(s));
}

export function hasSteps(t: Transition): boolean {
  return t.steps !== undefined && t.steps.length > 0;
}

/** A change to running holds a lease; every other change ends the holder's. */
export function isLeased(t: Transition): boolean {
  return t.lease !== undefined && t.to === "running";
}
