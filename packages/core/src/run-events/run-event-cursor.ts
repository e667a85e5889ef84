/**
 * Where a run's event stream stands, sent as each event's `id` and read back from `Last-Event-ID`: the last audit
 * entry and the last step (their row ids) whose events were sent, how many log lines of the step after it were sent
 * already (a step's lines go before its `step` event), and the last of its direct children's audit entries sent
 * (`childXid`, `childAudit`: the writing transaction and the row id).
 *
 * A run's own row ids only grow in commit order (its writes are serialised by the run's row lock and lease), so
 * "after this cursor" is exactly what a reconnect missed. Two children's entries are not serialised: a lower id can
 * commit after a higher one. They are read in (transaction, id) order instead, and only those of transactions older
 * than every transaction of this database still running, which are all settled, so every later entry sorts after
 * the cursor.
 */
export type RunEventCursor = { audit: number; step: number; lines: number; childXid: number; childAudit: number };

export const START_CURSOR: RunEventCursor = Object.freeze({ audit: 0, step: 0, lines: 0, childXid: 0, childAudit: 0 });

/** `<audit>:<step>`, `:<lines>` while a step's log lines are on their way, `~<xid>.<audit>` once a child's was sent. */
export function formatRunEventCursor(c: RunEventCursor): string {
  const own = c.lines === 0 ? `${c.audit}:${c.step}` : `${c.audit}:${c.step}:${c.lines}`;
  return c.childAudit === 0 ? own : `${own}~${c.childXid}.${c.childAudit}`;
}

/** A `Last-Event-ID` → its cursor; absent or not one of ours (`…:end` included) → the start or what it names. */
export function parseRunEventCursor(value: string | undefined): RunEventCursor {
  const m = /^(\d{1,15}):(\d{1,15})(?::(\d{1,9}))?(?:~(\d{1,15})\.(\d{1,15}))?(?::end)?$/.exec(value?.trim() ?? "");
  if (m === null) return { ...START_CURSOR };
  return {
    audit: Number(m[1]),
    step: Number(m[2]),
    lines: m[3] === undefined ? 0 : Number(m[3]),
    childXid: m[4] === undefined ? 0 : Number(m[4]),
    childAudit: m[5] === undefined ? 0 : Number(m[5]),
  };
}
