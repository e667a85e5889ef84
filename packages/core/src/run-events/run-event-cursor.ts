/**
 * Where a run's event stream stands, sent as each event's `id` and read back from `Last-Event-ID`: the last audit
 * entry and the last step (their row ids) whose events were sent, and how many log lines of the step after it were
 * sent already (a step's lines go before its `step` event). Row ids only grow within a run (its writes are
 * serialised by the run's row lock and lease), so "after this cursor" is exactly what a reconnect missed.
 */
export type RunEventCursor = { audit: number; step: number; lines: number };

export const START_CURSOR: RunEventCursor = Object.freeze({ audit: 0, step: 0, lines: 0 });

/** `<audit>:<step>`, or `<audit>:<step>:<lines>` while a step's log lines are on their way. */
export function formatRunEventCursor(c: RunEventCursor): string {
  return c.lines === 0 ? `${c.audit}:${c.step}` : `${c.audit}:${c.step}:${c.lines}`;
}

/** A `Last-Event-ID` → its cursor; absent or not one of ours (`…:end` included) → the start or what it names. */
export function parseRunEventCursor(value: string | undefined): RunEventCursor {
  const m = /^(\d{1,15}):(\d{1,15})(?::(\d{1,9}|end))?$/.exec(value?.trim() ?? "");
  if (m === null) return { ...START_CURSOR };
  const lines = m[3] === undefined || m[3] === "end" ? 0 : Number(m[3]);
  return { audit: Number(m[1]), step: Number(m[2]), lines };
}
