import { queryRows, type Db } from "../../db";
import { NotFoundError } from "../../errors";
import { RUN_COLUMNS, type RunRow } from "../../runs/run-row";
import { isUuid } from "../../workflows/resolve-workflow";
import { readStoredWebhookConfig, type WebhookConfig } from "./webhook-config";

export type WebhookTarget = { workflowId: string; versionId: string; config: WebhookConfig };

type TargetRow = { id: string; isArchived: boolean; versionId: string | null; config: unknown };

// One round trip on the hot path: the workflow, its latest version and its webhook config.
const TARGET_SQL = (where: string) => `
  SELECT w.id::text AS "id", w.is_archived AS "isArchived", c.config AS "config",
    (SELECT v.id::text FROM workflow_versions v WHERE v.workflow_id = w.id ORDER BY v.version DESC LIMIT 1) AS "versionId"
  FROM workflows w LEFT JOIN webhook_configs c ON c.workflow_id = w.id
  WHERE ${where}`;
const BY_ID = TARGET_SQL("w.id = $1::uuid");
const BY_HANDLE = TARGET_SQL("w.handle = $1");

/**
 * The workflow a delivery is for, addressed by UUID or handle. 404 "Workflow not found" when unknown or
 * archived (archived workflows get no runs), "Workflow version not found" when it has no version yet.
 */
export async function findWebhookTarget(db: Db, ref: string): Promise<WebhookTarget> {
  const rows = isUuid(ref)
    ? await queryRows<TargetRow>(db, BY_ID, [ref.toLowerCase()], true)
    : ref.length <= 200 && !ref.includes("\u0000")
      ? await queryRows<TargetRow>(db, BY_HANDLE, [ref], true)
      : [];
  const row = rows[0];
  if (row === undefined || row.isArchived) throw new NotFoundError("Workflow not found");
  if (row.versionId === null) throw new NotFoundError("Workflow version not found");
  return { workflowId: row.id, versionId: row.versionId, config: readStoredWebhookConfig(row.config) };
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
