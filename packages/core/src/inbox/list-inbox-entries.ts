import { z } from "zod";
import { queryRows, type Db } from "../db";
import {
  INBOX_COLUMNS,
  INBOX_OUTCOMES,
  toInboxSummaryJson,
  type InboxEntrySummaryResponse,
  type InboxRow,
} from "./inbox-response";

/** `GET /api/workflows/{ref}/inbox`'s query. */
export const ListInboxQuery = z.strictObject({
  outcome: z.enum(INBOX_OUTCOMES).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional().meta({ description: "`X-Next-Cursor` of the previous page" }),
});

/** A keyset position in a workflow's inbox, newest first: (received_at, id) as an opaque token. */
export function encodeInboxCursor(row: Pick<InboxRow, "receivedAt" | "id">): string {
  return Buffer.from(`${row.receivedAt.toISOString()}|${row.id}`).toString("base64url");
}

/** null when the cursor is not one this API issued. */
export function decodeInboxCursor(cursor: string): { receivedAt: Date; id: string } | null {
  const [at, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  if (at === undefined || id === undefined) return null;
  const receivedAt = new Date(at);
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  return Number.isNaN(receivedAt.getTime()) || !uuid.test(id) ? null : { receivedAt, id };
}

/** A page of a workflow's inbox entries, newest first, without their bodies; `nextCursor` when more follow. */
export async function listInboxEntries(
  db: Db,
  q: {
    workflowId: string;
    outcome?: string | undefined;
    limit: number;
    after?: { receivedAt: Date; id: string } | undefined;
  },
): Promise<{ entries: InboxEntrySummaryResponse[]; nextCursor: string | null }> {
  const rows = await queryRows<InboxRow>(
    db,
    `SELECT ${INBOX_COLUMNS} FROM webhook_inbox e
     WHERE e.workflow_id = $1::uuid AND ($2::text IS NULL OR e.outcome = $2)
       AND ($3::timestamptz IS NULL OR (e.received_at, e.id) < ($3::timestamptz, $4::uuid))
     ORDER BY e.received_at DESC, e.id DESC LIMIT $5::int + 1`,
    [q.workflowId, q.outcome ?? null, q.after?.receivedAt.toISOString() ?? null, q.after?.id ?? null, q.limit],
  );
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    entries: page.map(toInboxSummaryJson),
    nextCursor: rows.length > q.limit && last !== undefined ? encodeInboxCursor(last) : null,
  };
}
