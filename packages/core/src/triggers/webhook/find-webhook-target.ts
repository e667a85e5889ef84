import { queryRows, type Db } from "../../db";
import { NotFoundError } from "../../errors";
import { coalescePerTurn } from "../../coalesce";
import { RUN_COLUMNS, type RunRow } from "../../runs/run-row";
import { parseWorkflowRef } from "../../workflows/resolve-workflow";
import { parseStoredWebhookConfig, type WebhookConfig } from "./webhook-config";

export type WebhookTarget = { workflowId: string; versionId: string; config: WebhookConfig };

/** Resolves a ref (UUID or handle) to its target; rejects with a NotFoundError as `findWebhookTarget` does. */
export type WebhookTargetLoader = (ref: string) => Promise<WebhookTarget>;

type TargetRow = { id: string; handle: string | null; isArchived: boolean; versionId: string | null; config: unknown };

// One round trip for every ref looked up together: the workflows, their latest versions and webhook configs.
const TARGETS_SQL = `
  SELECT w.id::text AS "id", w.handle AS "handle", w.is_archived AS "isArchived", c.config AS "config",
    (SELECT v.id::text FROM workflow_versions v WHERE v.workflow_id = w.id ORDER BY v.version DESC LIMIT 1) AS "versionId"
  FROM workflows w LEFT JOIN webhook_configs c ON c.workflow_id = w.id
  WHERE w.id = ANY($1::uuid[]) OR w.handle = ANY($2::text[])`;

const MAX_BATCH = 500;

/** The rows of the workflows the refs name, keyed by ref (absent: no such workflow). */
async function findTargetRows(db: Db, refs: readonly string[]): Promise<Map<string, TargetRow>> {
  const ids: string[] = [];
  const handles: string[] = [];
  for (const ref of refs) {
    const key = parseWorkflowRef(ref);
    if (key === null) continue;
    if ("id" in key) ids.push(key.id);
    else handles.push(key.handle);
  }
  const found = new Map<string, TargetRow>();
  if (ids.length === 0 && handles.length === 0) return found;
  const rows = await queryRows<TargetRow>(db, TARGETS_SQL, [ids, handles], true);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const byHandle = new Map(rows.filter((r) => r.handle !== null).map((r) => [r.handle!, r]));
  for (const ref of refs) {
    const key = parseWorkflowRef(ref);
    const row = key === null ? undefined : "id" in key ? byId.get(key.id) : byHandle.get(key.handle);
    if (row !== undefined) found.set(ref, row);
  }
  return found;
}

/**
 * 404 "Workflow not found" when unknown or archived (archived workflows get no runs), "Workflow version not
 * found" when it has no version yet.
 */
function toTarget(row: TargetRow | undefined): WebhookTarget {
  if (row === undefined || row.isArchived) throw new NotFoundError("Workflow not found");
  if (row.versionId === null) throw new NotFoundError("Workflow version not found");
  return { workflowId: row.id, versionId: row.versionId, config: parseStoredWebhookConfig(row.config) };
}

/** The workflow a delivery is for, addressed by UUID or handle. */
export async function findWebhookTarget(db: Db, ref: string): Promise<WebhookTarget> {
  return toTarget((await findTargetRows(db, [ref])).get(ref));
}

/**
 * Coalesces the lookups issued in one turn of the event loop into one statement: under load many deliveries for
 * the same few workflows arrive together, and one round trip for all of them is cheaper than one each. Nothing is
 * cached past the statement, and it is sent only after every lookup of the batch was asked for, so a delivery
 * always sees a version, config or archive committed before it arrived.
 */
export function createWebhookTargetLoader(db: Db): WebhookTargetLoader {
  const lookup = coalescePerTurn<string, TargetRow | undefined>({
    settle: async (refs) => {
      const rows = await findTargetRows(db, [...new Set(refs)]);
      return refs.map((ref) => rows.get(ref));
    },
    maxBatch: MAX_BATCH,
    // A read: a failed one fails its whole batch, each caller answering as for its own lookup.
    retryAlone: () => false,
  });
  // Each caller gets its own target: the config object is not shared between deliveries.
  return async (ref) => toTarget(await lookup(ref));
}

/** The run an earlier delivery with this idempotency key created (unique per workflow). */
export async function findRunByIdempotencyKey(db: Db, workflowId: string, key: string): Promise<RunRow | null> {
  const rows = await queryRows<RunRow>(
    db,
    `SELECT ${RUN_COLUMNS} FROM runs r WHERE r.workflow_id = $1::uuid AND r.idempotency_key = $2`,
    [workflowId, key],
    true,
  );
  return rows[0] ?? null;
}
