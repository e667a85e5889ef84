import { randomUUID } from "node:crypto";
import { queryRows, type Queryable } from "../db";
import type { ChildGroupState, ChildOutcome } from "../engine/child-runs";
import type { RunRoute } from "../jobs/run-route";

/** A group to open: the parent, the node and its try, what each child runs, and how. */
export type NewChildGroup = {
  parentRunId: string;
  /** The run's attempt: a run-level retry opens groups of its own (and reuses their succeeded children). */
  runAttempt: number;
  nodeId: string;
  nodeTry: number;
  workflowId: string;
  workflowVersionId: string;
  rootRunId: string;
  /** The children's depth. */
  depth: number;
  inputs: readonly unknown[];
  concurrency: number;
  /** fail_fast / collect; `detached` for a child nobody waits for. */
  onFailure: "fail_fast" | "collect" | "detached";
  /** Runs whose earlier groups of this node may hold succeeded children to reuse by index (itself, retry_of). */
  reuseFrom: readonly string[];
};

/**
 * Inserts the group and its items, or finds the one this (run attempt, node, try) already opened (unique key).
 * A new group takes over, by index, the succeeded children of the same node's earlier groups of `reuseFrom`.
 */
export async function openChildGroup(db: Queryable, g: NewChildGroup): Promise<string> {
  const rows = await queryRows<{ id: string; created: boolean }>(
    db,
    `WITH g AS (
       INSERT INTO run_child_groups (id, parent_run_id, node_id, run_attempt, node_try, workflow_id, workflow_version_id,
                                     root_run_id, depth, total, concurrency, on_failure)
       VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6::uuid, $7::uuid, $8::uuid, $9, jsonb_array_length($10::jsonb), $11, $12)
       ON CONFLICT (parent_run_id, node_id, run_attempt, node_try) DO NOTHING
       RETURNING id
     ), items AS (
       INSERT INTO run_child_items (group_id, idx, input)
       SELECT g.id, x.ord - 1, x.value FROM g, jsonb_array_elements($10::jsonb) WITH ORDINALITY AS x(value, ord)
     )
     SELECT id::text, true AS created FROM g
     UNION ALL
     SELECT id::text, false FROM run_child_groups
     WHERE parent_run_id = $2::uuid AND node_id = $3 AND run_attempt = $4 AND node_try = $5`,
    [
      randomUUID(),
      g.parentRunId,
      g.nodeId,
      g.runAttempt,
      g.nodeTry,
      g.workflowId,
      g.workflowVersionId,
      g.rootRunId,
      g.depth,
      JSON.stringify(g.inputs),
      g.concurrency,
      g.onFailure,
    ],
  );
  const row = rows[0];
  if (row === undefined) throw new Error("child group neither created nor found");
  if (row.created && g.reuseFrom.length > 0) await reuseSucceeded(db, row.id, g.nodeId, g.reuseFrom);
  return row.id;
}

/** Points the new group's items at succeeded children of earlier groups of the node; they count as succeeded. */
async function reuseSucceeded(db: Queryable, groupId: string, nodeId: string, parents: readonly string[]) {
  await queryRows(
    db,
    `WITH prev AS (
       SELECT DISTINCT ON (pi.idx) pi.idx, pi.run_id
       FROM run_child_groups pg
       JOIN run_child_items pi ON pi.group_id = pg.id
       JOIN runs c ON c.id = pi.run_id AND c.status = 'succeeded'
       WHERE pg.parent_run_id = ANY($3::uuid[]) AND pg.node_id = $2 AND pg.id <> $1::uuid
       ORDER BY pi.idx
     ), upd AS (
       UPDATE run_child_items i SET run_id = prev.run_id FROM prev
       WHERE i.group_id = $1::uuid AND i.idx = prev.idx AND i.run_id IS NULL
       RETURNING i.idx
     )
     UPDATE run_child_groups g SET succeeded = g.succeeded + n.count,
       resolved_at = CASE WHEN n.count >= g.total THEN clock_timestamp() END
     FROM (SELECT count(*)::int AS count FROM upd) n
     WHERE g.id = $1::uuid AND n.count > 0`,
    [groupId, nodeId, parents],
  );
}

/**
 * Creates the group's next children while it has free slots (live < concurrency), in index order, skipping reused
 * items, while the parent is live; returns their ids, to be enqueued. The group's row lock orders this with the
 * children's outcomes (the trigger) and with a cancel of the parent, so no slot is given twice and no child is
 * created after a cancel.
 */
export async function fillChildGroup(db: Queryable, groupId: string): Promise<CreatedChild[]> {
  return queryRows<CreatedChild>(
    db,
    `WITH g AS (
       SELECT * FROM run_child_groups gr WHERE id = $1::uuid AND resolved_at IS NULL
         AND EXISTS (SELECT 1 FROM runs p WHERE p.id = gr.parent_run_id AND p.status IN ('pending', 'running', 'waiting'))
       FOR UPDATE OF gr
     ), pick AS (
       SELECT i.idx, i.input FROM run_child_items i, g
       WHERE i.group_id = g.id AND i.idx >= g.next_index AND i.run_id IS NULL
       ORDER BY i.idx LIMIT (SELECT GREATEST(0, g.concurrency - g.live) FROM g)
     ), upd AS (
       UPDATE run_child_groups gg SET next_index = p.upto, live = gg.live + p.n, updated_at = clock_timestamp()
       FROM (SELECT max(idx) + 1 AS upto, count(*)::int AS n FROM pick) p
       WHERE gg.id = $1::uuid AND p.n > 0
     ), ins AS (
       INSERT INTO runs (id, workflow_id, workflow_version_id, status, triggered_by, input_payload, execute, attempt,
                         created_at, updated_at, parent_run_id, root_run_id, depth, child_group_id, child_index,
                         queue, priority)
       SELECT gen_random_uuid(), g.workflow_id, g.workflow_version_id, 'pending', 'parent', p.input, true, 0,
              clock_timestamp(), clock_timestamp(), g.parent_run_id, g.root_run_id, g.depth, g.id, p.idx,
              w.queue, w.priority
       FROM pick p, g JOIN workflows w ON w.id = g.workflow_id ORDER BY p.idx
       ON CONFLICT DO NOTHING
       RETURNING id, child_index, created_at, queue, priority
     ), items AS (
       UPDATE run_child_items i SET run_id = ins.id FROM ins WHERE i.group_id = $1::uuid AND i.idx = ins.child_index
     ), audit AS (
       INSERT INTO run_audit_entries (run_id, actor, action, at, metadata)
       SELECT ins.id, 'worker', 'run_created', ins.created_at,
              jsonb_build_object('parent_run_id', g.parent_run_id, 'node_id', g.node_id, 'index', ins.child_index)
       FROM ins, g
     )
     SELECT ins.id::text AS id, g.workflow_id::text AS "workflowId", g.parent_run_id::text AS "parentRunId",
            ins.created_at AS "updatedAt", ins.queue, ins.priority
     FROM ins, g ORDER BY ins.child_index`,
    [groupId],
  );
}

/** A child `fillChildGroup` created (pending, attempt 0): what announcing and enqueueing it need. */
export type CreatedChild = RunRoute & { workflowId: string; parentRunId: string; updatedAt: Date };

/**
 * The one process that enqueues the parent's resume takes it here; null when the group is not resolved, was taken,
 * or nobody waits for it (a detached child).
 */
export async function claimResume(
  db: Queryable,
  groupId: string,
): Promise<{ parent: RunRoute; resolvedAt: Date } | null> {
  const rows = await queryRows<RunRoute & { resolvedAt: Date; detached: boolean }>(
    db,
    `UPDATE run_child_groups g SET resume_claimed = true, updated_at = clock_timestamp()
     FROM runs p
     WHERE g.id = $1::uuid AND g.resolved_at IS NOT NULL AND NOT g.resume_claimed AND p.id = g.parent_run_id
     RETURNING g.parent_run_id::text AS "id", p.queue, p.priority, g.resolved_at AS "resolvedAt",
               g.on_failure = 'detached' AS detached`,
    [groupId],
  );
  const row = rows[0];
  if (row === undefined || row.detached) return null;
  return { parent: { id: row.id, queue: row.queue, priority: row.priority }, resolvedAt: row.resolvedAt };
}

/** A child's result: its graph's `output` when it had one, else its final_state (with its input). */
const RESULT_SQL = `CASE WHEN c.status <> 'succeeded' THEN NULL
  WHEN c.output_payload ? 'result' THEN c.output_payload->'result'
  WHEN jsonb_typeof(c.output_payload->'final_state') = 'object'
    THEN jsonb_set(c.output_payload->'final_state', '{input}', coalesce(c.input_payload, '{}'::jsonb))
  ELSE c.output_payload END`;

export async function readChildGroup(db: Queryable, groupId: string, withChildren: boolean): Promise<ChildGroupState> {
  const [group] = await queryRows<{ resolved: boolean; failedRunId: string | null }>(
    db,
    `SELECT resolved_at IS NOT NULL AS resolved, failed_run_id::text AS "failedRunId" FROM run_child_groups WHERE id = $1::uuid`,
    [groupId],
  );
  if (group === undefined) throw new Error(`child group ${groupId} not found`);
  const children =
    withChildren || group.resolved
      ? await queryRows<ChildOutcome>(
          db,
          `SELECT c.id::text AS id, coalesce(c.status, 'pending') AS status, c.error, ${RESULT_SQL} AS result
           FROM run_child_items i LEFT JOIN runs c ON c.id = i.run_id
           WHERE i.group_id = $1::uuid ORDER BY i.idx`,
          [groupId],
        )
      : [];
  const failed =
    group.failedRunId === null
      ? null
      : (children.find((c) => c.id === group.failedRunId) ?? {
          id: group.failedRunId,
          status: "failed",
          error: null,
          result: null,
        });
  return { resolved: group.resolved, children, failed };
}
