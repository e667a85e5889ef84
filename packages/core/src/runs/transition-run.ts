import { queryRows, type Queryable } from "../db";
import type { RunRow } from "./run-row";
import {
  allowedSources,
  transitionShape,
  transitionValues,
  TRANSITION_COLUMNS,
  type Transition,
  type TransitionColumn,
} from "./transition";
import { batchTransitionSql, oneRunTransitionSql, type TransitionSql } from "./transition-sql";

/** The statements of each shape seen, one-run and multi-run. */
const oneRunSqls = new Map<string, TransitionSql>();
const batchSqls = new Map<string, TransitionSql>();

function sqlOf(cache: Map<string, TransitionSql>, shape: string, t: Transition, build: typeof oneRunTransitionSql) {
  let sql = cache.get(shape);
  if (sql === undefined) cache.set(shape, (sql = build(t)));
  return sql;
}

/**
 * The one way a run's status changes: a guarded UPDATE (status IN sources [AND attempt = n]) plus its audit
 * entry in the same statement. Returns the updated run, or null when the guard did not hold (someone else
 * got there first): callers never read-then-write. A change to running sets the run's lease (or none); every other
 * change clears it.
 */
export async function transitionRun(db: Queryable, t: Transition): Promise<RunRow | null> {
  const { text, params } = sqlOf(oneRunSqls, transitionShape(t), t, oneRunTransitionSql);
  const values = transitionValues(t, 0);
  const args = params.map((name) => {
    if (name === "to") return t.to;
    if (name === "sources") return allowedSources(t);
    const col = name as TransitionColumn;
    const v = values[col];
    return TRANSITION_COLUMNS[col] === "jsonb" && v !== undefined ? JSON.stringify(v) : v;
  });
  // The text depends only on the shape: a handful of shapes, each prepared once per connection.
  const rows = await queryRows<RunRow>(db, text, args, true);
  return rows[0] ?? null;
}

/**
 * Several runs' transitions of one shape (`transitionShape`: the same target, guard and options, only the values
 * differ) in one statement: each row is guarded, fenced, audited and given its steps exactly as `transitionRun`
 * does, one round trip and one commit for all. Results are in the order of `ts`; the runs must be distinct (a
 * statement updates a row once).
 */
export async function transitionRuns(db: Queryable, ts: readonly Transition[]): Promise<(RunRow | null)[]> {
  const first = ts[0];
  if (first === undefined) return [];
  if (ts.length === 1) return [await transitionRun(db, first)];
  const shape = transitionShape(first);
  if (ts.some((t) => transitionShape(t) !== shape)) throw new Error("transitionRuns: transitions of one shape only");
  return transitionRunsOfShape(db, shape, ts);
}

/** `transitionRuns` for transitions already known to share `shape` (the batcher groups them by it). */
export async function transitionRunsOfShape(
  db: Queryable,
  shape: string,
  ts: readonly Transition[],
): Promise<(RunRow | null)[]> {
  const first = ts[0];
  if (first === undefined) return [];
  if (ts.length === 1) return [await transitionRun(db, first)];
  if (new Set(ts.map((t) => t.runId)).size !== ts.length) throw new Error("transitionRuns: one transition per run");
  // Rows are locked in id order: two statements over the same runs cannot deadlock.
  const rows = ts.map(transitionValues).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const { text, params } = sqlOf(batchSqls, shape, first, batchTransitionSql);
  const values: Record<string, unknown> = {
    to: first.to,
    sources: allowedSources(first),
    rows: JSON.stringify(rows),
    ids: rows.map((r) => r.id),
  };
  // Not prepared: a prepared statement keeps the generic plan it chose after five runs, and one chosen while runs
  // was small (a new database) scans the whole table on every later batch. Planned at each execution, the batch
  // statement sees the table's size and the ids' count, and finds its runs through the primary key.
  const updated = await queryRows<RunRow & { batchOrd: number }>(
    db,
    text,
    params.map((name) => values[name]),
  );
  const results: (RunRow | null)[] = ts.map(() => null);
  for (const { batchOrd, ...run } of updated) results[batchOrd] = run;
  return results;
}
