import { randomBytes, randomUUID } from "node:crypto";
import { queryRows, type Db } from "../db";
import { NotFoundError, ValidationError } from "../errors";
import type { SecretBox } from "../secrets/secret-box";
import { iso } from "../timestamp";
import { isUuid, resolveWorkflow } from "../workflows/resolve-workflow";
import type { EventType, SubscriptionResponse } from "./subscription-schemas";

export type SubscriptionRow = {
  id: string;
  url: string;
  events: EventType[];
  workflowId: string | null;
  enabled: boolean;
  disabledReason: string | null;
  failingSince: Date | null;
  lastSuccessAt: Date | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
};

/** Every column but the secret, which is never read back out of the store except by the sender. */
const COLUMNS = `s.id::text AS "id", s.url, s.events, s.workflow_id::text AS "workflowId", s.enabled,
  s.disabled_reason AS "disabledReason", s.failing_since AS "failingSince", s.last_success_at AS "lastSuccessAt",
  s.created_by AS "createdBy", s.created_at AS "createdAt", s.updated_at AS "updatedAt"`;

export type SubscriptionInput = {
  url: string;
  events: EventType[];
  workflow?: string | null | undefined;
  secret?: string | undefined;
};

/** A new Standard Webhooks secret: 32 random bytes. */
export function generateSubscriptionSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

function seal(box: SecretBox, secret: string): string {
  if (!box.canEncrypt) {
    throw new ValidationError([
      {
        loc: ["body", "secret"],
        msg: "cannot be stored: the server has no SECRET_KEY to encrypt subscription secrets with (docs/security.md)",
        type: "value_error",
      },
    ]);
  }
  return box.encrypt(secret);
}

async function workflowIdOf(db: Db, ref: string | null | undefined): Promise<string | null> {
  if (ref === null || ref === undefined) return null;
  try {
    return (await resolveWorkflow(db, ref)).id;
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    throw new ValidationError([
      { loc: ["body", "workflow"], msg: "no workflow has this id or handle", type: "value_error" },
    ]);
  }
}

/** Creates a subscription; the answer's secret (given or generated) is the only time it leaves the store. */
export async function createSubscription(
  db: Db,
  box: SecretBox,
  input: SubscriptionInput,
  createdBy: string,
): Promise<{ subscription: SubscriptionRow; secret: string }> {
  const secret = input.secret ?? generateSubscriptionSecret();
  const workflowId = await workflowIdOf(db, input.workflow);
  const [row] = await queryRows<SubscriptionRow>(
    db,
    `INSERT INTO event_subscriptions AS s (id, url, events, workflow_id, secret, created_by)
     VALUES ($1::uuid, $2, $3::text[], $4::uuid, $5, $6) RETURNING ${COLUMNS}`,
    [randomUUID(), input.url, input.events, workflowId, seal(box, secret), createdBy],
  );
  return { subscription: row!, secret };
}

export async function listSubscriptions(db: Db): Promise<SubscriptionRow[]> {
  return queryRows<SubscriptionRow>(db, `SELECT ${COLUMNS} FROM event_subscriptions s ORDER BY s.created_at, s.id`, []);
}

/** The subscription, or a 404 (an id that is not a UUID included). */
export async function getSubscription(db: Db, id: string): Promise<SubscriptionRow> {
  const [row] = isUuid(id)
    ? await queryRows<SubscriptionRow>(db, `SELECT ${COLUMNS} FROM event_subscriptions s WHERE s.id = $1::uuid`, [id])
    : [];
  if (row === undefined) throw new NotFoundError("Subscription not found");
  return row;
}

/**
 * Replaces url, events and workflow; a given secret replaces the stored one. `enabled: true` re-enables a
 * disabled subscription (its failure streak starts over), `false` pauses it.
 */
export async function updateSubscription(
  db: Db,
  box: SecretBox,
  id: string,
  input: SubscriptionInput & { enabled?: boolean | undefined },
): Promise<SubscriptionRow> {
  if (!isUuid(id)) throw new NotFoundError("Subscription not found");
  const workflowId = await workflowIdOf(db, input.workflow);
  const [row] = await queryRows<SubscriptionRow>(
    db,
    `UPDATE event_subscriptions s SET url = $2, events = $3::text[], workflow_id = $4::uuid,
       secret = coalesce($5, s.secret),
       enabled = coalesce($6::boolean, s.enabled),
       disabled_reason = CASE WHEN coalesce($6::boolean, s.enabled) THEN NULL ELSE s.disabled_reason END,
       failing_since = CASE WHEN $6::boolean AND NOT s.enabled THEN NULL ELSE s.failing_since END,
       updated_at = clock_timestamp()
     WHERE s.id = $1::uuid RETURNING ${COLUMNS}`,
    [
      id,
      input.url,
      input.events,
      workflowId,
      input.secret === undefined ? null : seal(box, input.secret),
      input.enabled ?? null,
    ],
  );
  if (row === undefined) throw new NotFoundError("Subscription not found");
  return row;
}

/** Deletes the subscription and its deliveries (ON DELETE CASCADE); false when there was none. */
export async function deleteSubscription(db: Db, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const { rowCount } = await db.pool.query("DELETE FROM event_subscriptions WHERE id = $1::uuid", [id]);
  return (rowCount ?? 0) > 0;
}

export function toSubscriptionJson(row: SubscriptionRow): SubscriptionResponse {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    workflow_id: row.workflowId,
    enabled: row.enabled,
    disabled_reason: row.disabledReason,
    failing_since: iso(row.failingSince),
    last_success_at: iso(row.lastSuccessAt),
    created_by: row.createdBy,
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt)!,
  };
}
