import { queryRows, type Db } from "../db";
import { ConflictError, NotFoundError } from "../errors";
import { iso } from "../timestamp";
import { isUuid } from "../workflows/resolve-workflow";
import type { DeliveryResponse, EventType } from "./subscription-schemas";

type DeliveryRow = {
  id: string;
  subscriptionId: string;
  eventType: EventType;
  runId: string | null;
  workflowId: string | null;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  nextAttemptAt: Date | null;
  createdAt: Date;
  finishedAt: Date | null;
  body: unknown;
  attemptLog: {
    attempt: number;
    at: string;
    status: "succeeded" | "failed";
    response_code: number | null;
    duration_ms: number;
    error: string | null;
  }[];
};

const COLUMNS = `d.id::text AS "id", d.subscription_id::text AS "subscriptionId", d.event_type AS "eventType",
  d.run_id::text AS "runId", d.workflow_id::text AS "workflowId", d.status, d.attempts,
  CASE WHEN d.status = 'pending' AND d.next_attempt_at <> 'infinity' THEN d.next_attempt_at END AS "nextAttemptAt",
  d.created_at AS "createdAt", d.finished_at AS "finishedAt", d.body,
  (SELECT coalesce(json_agg(json_build_object('attempt', a.attempt, 'at', switchyard_iso(a.at), 'status', a.outcome,
      'response_code', a.response_code, 'duration_ms', a.duration_ms, 'error', a.error) ORDER BY a.n, a.id), '[]'::json)
   FROM (SELECT 0 AS n, id, attempt, at, outcome, response_code, duration_ms, error FROM event_delivery_attempts
         WHERE delivery_id = d.id
         UNION ALL
         SELECT 1, NULL, d.attempts, d.finished_at, 'succeeded', d.response_code, d.duration_ms, NULL
         WHERE d.status = 'delivered' AND d.duration_ms IS NOT NULL) a) AS "attemptLog"`;

export function encodeDeliveryCursor(row: Pick<DeliveryRow, "createdAt" | "id">): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString("base64url");
}

/** null when the cursor is not one this API issued. */
export function decodeDeliveryCursor(cursor: string): { createdAt: Date; id: string } | null {
  const [at, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  if (at === undefined || id === undefined) return null;
  const createdAt = new Date(at);
  return Number.isNaN(createdAt.getTime()) || !isUuid(id) ? null : { createdAt, id };
}

/** A page of a subscription's deliveries, newest first, each with its attempts; `nextCursor` when more follow. */
export async function listDeliveries(
  db: Db,
  q: { subscriptionId: string; limit: number; after?: { createdAt: Date; id: string } | undefined },
): Promise<{ deliveries: DeliveryResponse[]; nextCursor: string | null }> {
  const rows = await queryRows<DeliveryRow>(
    db,
    `SELECT ${COLUMNS} FROM event_deliveries d
     WHERE d.subscription_id = $1::uuid
       AND ($2::timestamptz IS NULL OR (d.created_at, d.id) < ($2::timestamptz, $3::uuid))
     ORDER BY d.created_at DESC, d.id DESC LIMIT $4::int + 1`,
    [q.subscriptionId, q.after?.createdAt.toISOString() ?? null, q.after?.id ?? null, q.limit],
  );
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    deliveries: page.map(toDeliveryJson),
    nextCursor: rows.length > q.limit && last !== undefined ? encodeDeliveryCursor(last) : null,
  };
}

/**
 * Sends a delivery again, whatever its status (a failed one too): pending and due now, with a fresh retry
 * schedule. A claim in flight is fenced off (its outcome is not recorded). 404 for an unknown delivery of this
 * subscription, 409 while the subscription is disabled (re-enable it first).
 */
export async function retryDelivery(db: Db, subscriptionId: string, deliveryId: string): Promise<DeliveryResponse> {
  if (!isUuid(subscriptionId) || !isUuid(deliveryId)) throw new NotFoundError("Delivery not found");
  const [outcome] = await queryRows<{ sent: boolean; enabled: boolean }>(
    db,
    `WITH upd AS (
       UPDATE event_deliveries d SET status = 'pending', next_attempt_at = clock_timestamp(), schedule_step = 0,
         first_attempt_at = NULL, finished_at = NULL, claim_token = NULL, claimed_until = NULL,
         response_code = NULL, duration_ms = NULL
       FROM event_subscriptions s, event_deliveries old
       WHERE d.id = $2::uuid AND d.subscription_id = $1::uuid AND s.id = d.subscription_id AND s.enabled
         AND old.id = d.id
       RETURNING d.id, old.status AS old_status, old.attempts AS old_attempts, old.finished_at AS old_finished_at,
         old.response_code AS old_response_code, old.duration_ms AS old_duration_ms
     ), kept AS (
       -- Its earlier success stays in the log, as a row now that the delivery itself goes back to pending.
       INSERT INTO event_delivery_attempts (delivery_id, attempt, at, outcome, response_code, duration_ms, error)
       SELECT id, old_attempts, old_finished_at, 'succeeded', old_response_code, old_duration_ms, NULL FROM upd
       WHERE old_status = 'delivered' AND old_duration_ms IS NOT NULL
     )
     SELECT true AS sent, true AS enabled FROM upd
     UNION ALL
     SELECT false, s.enabled FROM event_deliveries d JOIN event_subscriptions s ON s.id = d.subscription_id
     WHERE d.id = $2::uuid AND d.subscription_id = $1::uuid AND NOT s.enabled`,
    [subscriptionId, deliveryId],
  );
  if (outcome === undefined) throw new NotFoundError("Delivery not found");
  if (!outcome.enabled) throw new ConflictError("Subscription is disabled: enable it (PUT with enabled: true) first");
  const [row] = await queryRows<DeliveryRow>(db, `SELECT ${COLUMNS} FROM event_deliveries d WHERE d.id = $1::uuid`, [
    deliveryId,
  ]);
  if (row === undefined) throw new NotFoundError("Delivery not found");
  return toDeliveryJson(row);
}

function toDeliveryJson(row: DeliveryRow): DeliveryResponse {
  return {
    id: row.id,
    subscription_id: row.subscriptionId,
    event_type: row.eventType,
    run_id: row.runId,
    workflow_id: row.workflowId,
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: iso(row.nextAttemptAt),
    created_at: iso(row.createdAt)!,
    finished_at: iso(row.finishedAt),
    body: row.body,
    attempt_log: row.attemptLog,
  };
}
