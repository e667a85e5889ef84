/** Run statuses and the only transitions between them. Every status change goes through this table. */
export const RUN_STATUSES = ["pending", "running", "waiting", "succeeded", "failed", "cancelled"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const TERMINAL_STATUSES = ["succeeded", "failed", "cancelled"] as const satisfies readonly RunStatus[];

/** A run not finished yet: pending, running or waiting. */
export const LIVE_STATUSES = ["pending", "running", "waiting"] as const satisfies readonly RunStatus[];

/**
 * `status IN ('a', 'b')` over `column`, the statuses written as literals: a partial index over a status list serves
 * a query only when the query states its condition word for word, which a parameter cannot.
 */
export function statusInSql(column: string, statuses: readonly RunStatus[]): string {
  return `${column} IN (${statuses.map((s) => `'${s}'`).join(", ")})`;
}

const TRANSITIONS = {
  pending: ["running", "failed", "cancelled"],
  running: ["succeeded", "failed", "cancelled", "waiting", "pending"],
  waiting: ["running", "pending", "failed", "cancelled"],
  succeeded: [],
  failed: [],
  cancelled: [],
} as const satisfies Record<RunStatus, readonly RunStatus[]>;

export function canTransition(from: RunStatus, to: RunStatus): boolean {
  return (TRANSITIONS[from] as readonly RunStatus[]).includes(to);
}

/** The statuses a run may leave to reach `to`: the `status IN (...)` of a guarded update. */
export function sourcesOf(to: RunStatus): RunStatus[] {
  return RUN_STATUSES.filter((from) => canTransition(from, to));
}

export function isTerminal(status: RunStatus): boolean {
  return (TERMINAL_STATUSES as readonly RunStatus[]).includes(status);
}

export function isRunStatus(s: string): s is RunStatus {
  return (RUN_STATUSES as readonly string[]).includes(s);
}

export function assertNever(x: never): never {
  throw new Error(`unexpected value ${String(x)}`);
}
