import type { Db } from "../db";
import type { Deps } from "../deps";
import { ConflictError, NotFoundError } from "../errors";
import { toRunJson } from "./run-row";
import type { RunStatus } from "./run-status";
import { transitionRun } from "./transition-run";
import { type Transition } from "./transition";
import { findRun } from "./find-run";
import { listAuditEntries } from "./list-audit-entries";

/**
 * The transitions of the runs API, each with its allowed sources and its 409 message. `callerDriven`: only on a
 * run created without `execute` (Orcheo's caller-driven runs); a run the workers execute has its outcome from
 * them alone, so no caller can forge it.
 */
export const RUN_ACTIONS = {
  start: {
    to: "running",
    from: ["pending"],
    action: "run_started",
    conflict: "Only pending runs can be started.",
    callerDriven: true,
  },
  succeed: {
    to: "succeeded",
    from: ["running"],
    action: "run_succeeded",
    conflict: "Only running runs can be marked as succeeded.",
    callerDriven: true,
  },
  fail: {
    to: "failed",
    from: ["pending", "running"],
    action: "run_failed",
    conflict: "Only pending or running runs can be marked as failed.",
    callerDriven: true,
  },
  cancel: {
    to: "cancelled",
    from: ["pending", "running", "waiting"],
    action: "run_cancelled",
    conflict: "Cannot cancel a run that is already completed.",
    callerDriven: false,
  },
} as const satisfies Record<
  string,
  { to: RunStatus; from: readonly RunStatus[]; action: string; conflict: string; callerDriven: boolean }
>;

export const WORKER_EXECUTED_CONFLICT =
  "This run is executed by the workers; only caller-driven runs (created without execute) can be started, succeeded or failed by the API.";

export type RunAction = keyof typeof RUN_ACTIONS;

/**
 * What a cancel records, as Orcheo does: the reason in the audit entry's metadata and as the run's `error`; without
 * one (or with an empty one) the metadata is `{}` and `error` becomes null.
 */
export function cancelOutcome(reason: string | null | undefined): {
  metadata: Record<string, unknown>;
  error: string | null;
} {
  return reason ? { metadata: { reason }, error: reason } : { metadata: {}, error: null };
}

export async function getRunJson(db: Db, runId: string) {
  const run = await findRun(db, runId);
  if (run === null) throw new NotFoundError("Workflow run not found");
  const audit = await listAuditEntries(db, [run.id]);
  return toRunJson(run, audit.get(run.id) ?? []);
}

/**
 * Applies a runs-API action with one guarded update (the status, and for start/succeed/fail the run being
 * caller-driven, are its conditions); 404 for an unknown run, 409 when the guard fails. The read after a refusal
 * only chooses the message.
 */
export async function applyRunAction(
  deps: Pick<Deps, "db" | "changes">,
  runId: string,
  name: RunAction,
  opts: { actor: string; metadata?: Record<string, unknown>; outputPayload?: unknown; error?: string | null },
) {
  const spec = RUN_ACTIONS[name];
  const t: Transition = {
    runId,
    to: spec.to,
    from: spec.from,
    actor: opts.actor,
    action: spec.action,
    start: name === "start",
    callerDriven: spec.callerDriven,
    ...(opts.metadata !== undefined && { metadata: opts.metadata }),
    ...(opts.outputPayload !== undefined && { outputPayload: opts.outputPayload }),
    ...(opts.error !== undefined && { error: opts.error }),
  };
  const { db } = deps;
  const updated = await transitionRun(db, t);
  if (updated !== null) deps.changes.changed(updated);
  if (updated === null) {
    const current = await findRun(db, runId);
    if (current === null) throw new NotFoundError("Workflow run not found");
    throw new ConflictError(spec.callerDriven && current.execute ? WORKER_EXECUTED_CONFLICT : spec.conflict);
  }
  const audit = await listAuditEntries(db, [updated.id]);
  return toRunJson(updated, audit.get(updated.id) ?? []);
}
