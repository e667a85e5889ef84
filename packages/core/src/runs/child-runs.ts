import type { RedisConnection } from "../redis";
import type { Db } from "../db";
import type { Logger } from "../logger";
import { errorMessage } from "../errors";
import type { ChildRuns } from "../engine/child-runs";
import { NodeError } from "../engine/node-type";
import { enqueueResume, type Queues } from "../jobs/queues";
import { parseWorkflowRef } from "../workflows/resolve-workflow";
import { claimResume, fillChildGroup, openChildGroup, readChildGroup } from "./child-groups";
import { cancelRunTrees } from "./cancel-run-trees";
import type { RunRow } from "./run-row";
import type { RunChangePublisher } from "../run-events/run-change-publisher";

export type ChildRunDeps = {
  db: Db;
  logger: Logger;
  queues: Pick<Queues, "runQueue" | "enqueueRuns">;
  /** Where cancels of running children are published (the queue prefix's cancel channel). */
  cancels?: { redis: RedisConnection; prefix: string };
  /** MAX_RUN_DEPTH and MAP_MAX_ITEMS. */
  maxDepth: number;
  maxItems: number;
  /** Settles a group once per burst of calls (`createChildSettler`); a plain `settleChildGroup` without. */
  settle?: (groupId: string) => Promise<boolean>;
  /** Where the children's creations are announced (their parent's event stream). */
  changes?: Pick<RunChangePublisher, "changed">;
};

/** The child runs of one run, as its workflow and map nodes use them (engine/child-runs.ts). */
export function createChildRuns(deps: ChildRunDeps, run: RunRow): ChildRuns {
  return {
    maxItems: deps.maxItems,
    open: async (request) => {
      const depth = run.depth + 1;
      if (depth > deps.maxDepth) throw new NodeError(`run depth limit (${deps.maxDepth}) reached`);
      const target = await findTarget(deps.db, request.workflow, request.version);
      const groupId = await openChildGroup(deps.db, {
        parentRunId: run.id,
        runAttempt: run.attempt,
        nodeId: request.nodeId,
        nodeTry: request.nodeTry,
        workflowId: target.workflowId,
        workflowVersionId: target.versionId,
        rootRunId: run.rootRunId ?? run.id,
        depth,
        inputs: request.inputs,
        concurrency: request.concurrency,
        onFailure: request.wait ? request.onFailure : "detached",
        reuseFrom: run.retryOf === null ? [run.id] : [run.id, run.retryOf],
      });
      await settleChildGroup(deps, groupId);
      return { groupId };
    },
    read: (groupId, withChildren = false) => readChildGroup(deps.db, groupId, withChildren),
    cancelLive: async (groupId) => {
      const live = await deps.db.$queryRawUnsafe<{ id: string }[]>(
        `SELECT id::text AS id FROM runs WHERE child_group_id = $1::uuid AND status IN ('pending', 'running', 'waiting')`,
        groupId,
      );
      await cancelRunTrees(
        deps,
        live.map((r) => r.id),
        { actor: "worker", reason: "a sibling run failed (fail_fast)" },
      );
    },
  };
}

/** The workflow and version a node names; an unknown or archived workflow fails the node "Workflow not found". */
async function findTarget(db: Db, ref: string, version: number | undefined) {
  const where = parseWorkflowRef(ref);
  const workflow =
    where === null ? null : await db.workflow.findUnique({ where, select: { id: true, isArchived: true } });
  if (workflow === null || workflow.isArchived) throw new NodeError("Workflow not found");
  const found = await db.workflowVersion.findFirst({
    where: { workflowId: workflow.id, ...(version !== undefined && { version }) },
    orderBy: { version: "desc" },
    select: { id: true },
  });
  if (found === null) throw new NodeError("Workflow version not found");
  return { workflowId: workflow.id, versionId: found.id };
}

/**
 * After a child finished (or a group opened): gives its freed slots to the next items, in index order, and enqueues
 * them; once the group is resolved, the one process that claims it enqueues the parent's resume. A crash in between
 * leaves work for the reconciler (`reconcileChildGroups`), never a second resume: the parent's waiting → running is
 * guarded.
 */
export async function settleChildGroup(
  deps: Pick<ChildRunDeps, "db" | "logger" | "queues" | "settle" | "changes">,
  groupId: string,
): Promise<boolean> {
  if (deps.settle !== undefined) return deps.settle(groupId);
  return settleOnce(deps, groupId);
}

/** true when it created children or claimed the parent's resume. */
async function settleOnce(
  deps: Pick<ChildRunDeps, "db" | "logger" | "queues" | "changes">,
  groupId: string,
): Promise<boolean> {
  const created = await fillChildGroup(deps.db, groupId);
  if (created.length > 0) {
    for (const child of created) deps.changes?.changed({ ...child, status: "pending", attempt: 0 });
    await deps.queues.enqueueRuns(created);
    return true;
  }
  const resume = await claimResume(deps.db, groupId);
  if (resume === null) return false;
  deps.logger.info("child runs done, resuming their parent", { runId: resume.parent.id, groupId });
  await enqueueResume(deps.queues, resume.parent, resume.resolvedAt);
  return true;
}

/**
 * `settleChildGroup` coalesced per group: a call while one is in flight makes it go round once more instead of
 * adding a statement of its own, so a burst of finished children of one map costs a few statements, not one each.
 */
export function createChildSettler(deps: Pick<ChildRunDeps, "db" | "logger" | "queues" | "changes">) {
  const inFlight = new Map<string, { again: boolean; done: Promise<boolean> }>();
  return (groupId: string): Promise<boolean> => {
    const current = inFlight.get(groupId);
    if (current !== undefined) {
      current.again = true;
      return current.done;
    }
    const entry = { again: false, done: Promise.resolve(false) };
    entry.done = (async () => {
      let acted = false;
      try {
        do {
          entry.again = false;
          acted = (await settleOnce(deps, groupId)) || acted;
        } while (entry.again);
        return acted;
      } finally {
        inFlight.delete(groupId);
      }
    })();
    inFlight.set(groupId, entry);
    return entry.done;
  };
}

/** Settles a finished child's group; a failure is logged and left to the reconciler. */
export async function settleFinishedChild(
  deps: Pick<ChildRunDeps, "db" | "logger" | "queues" | "settle" | "changes">,
  run: Pick<RunRow, "id" | "childGroupId">,
): Promise<void> {
  if (run.childGroupId === null) return;
  try {
    await settleChildGroup(deps, run.childGroupId);
  } catch (err) {
    deps.logger.warn("child run's group not settled, left to the reconciler", {
      runId: run.id,
      groupId: run.childGroupId,
      err: errorMessage(err),
    });
  }
}
