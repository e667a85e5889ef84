import { isUtf8 } from "node:buffer";
import { z } from "zod";
import { Timestamp, iso } from "../timestamp";

export const INBOX_OUTCOMES = ["accepted", "rejected"] as const;
export type InboxOutcome = (typeof INBOX_OUTCOMES)[number];

const entryFields = {
  id: z.uuid(),
  workflow_id: z.uuid(),
  received_at: Timestamp.nullable(),
  method: z.string(),
  path: z.string(),
  query: z.record(z.string(), z.string()).meta({ description: "Query parameters, without credential-named ones" }),
  headers: z.record(z.string(), z.string()).meta({
    description:
      "Request headers, without the config's secret and signature headers and without any header named like a credential (key, token, secret, password, auth, session, signature, cookie)",
  }),
  body_size: z.number().int().meta({ description: "The body's size in bytes as received" }),
  body_truncated: z.boolean().meta({
    description: "true when the kept body was cut at INBOX_MAX_BODY_BYTES (or never read: a 413); not replayable",
  }),
  source_ip: z.string().nullable(),
  outcome: z.enum(INBOX_OUTCOMES),
  status: z.number().int().meta({ description: "The HTTP status the delivery was answered with" }),
  reason: z.string().nullable().meta({
    description:
      "Why it was rejected (`method_not_allowed`, `too_large`, `required_header`, `required_query_param`, `missing_secret`, `secret_mismatch`, `missing_signature`, `signature_mismatch`, `stale_timestamp`, `replay`, `rate_limited`, `slack_challenge`, ...); `duplicate` for an accepted delivery whose idempotency key already had a run; null otherwise",
  }),
  run_id: z.uuid().nullable().meta({ description: "The run an accepted delivery created" }),
};

/** One entry of `GET /api/workflows/{ref}/inbox` (without the body). */
export const InboxEntrySummaryResponse = z.strictObject(entryFields);
export type InboxEntrySummaryResponse = z.output<typeof InboxEntrySummaryResponse>;

/** `GET /api/inbox/{id}`: the entry with the raw body. */
export const InboxEntryResponse = z.strictObject({
  ...entryFields,
  body: z.string().meta({ description: "The raw body: as text when it is valid UTF-8, else base64 (`body_encoding`)" }),
  body_encoding: z.enum(["utf8", "base64"]),
});
export type InboxEntryResponse = z.output<typeof InboxEntryResponse>;

/** A `webhook_inbox` row as the inbox's queries select it (`INBOX_COLUMNS`). */
export type InboxRow = {
  id: string;
  workflowId: string;
  receivedAt: Date;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  bodySize: number;
  bodyTruncated: boolean;
  sourceIp: string | null;
  outcome: InboxOutcome;
  status: number;
  reason: string | null;
  runId: string | null;
};

export const INBOX_COLUMNS = `e.id::text, e.workflow_id::text AS "workflowId", e.received_at AS "receivedAt", e.method,
  e.path, e.query, e.headers, e.body_size AS "bodySize", e.body_truncated AS "bodyTruncated",
  e.source_ip AS "sourceIp", e.outcome, e.status, e.reason, e.run_id::text AS "runId"`;

export function toInboxSummaryJson(row: InboxRow): InboxEntrySummaryResponse {
  return {
    id: row.id,
    workflow_id: row.workflowId,
    received_at: iso(row.receivedAt),
    method: row.method,
    path: row.path,
    query: row.query,
    headers: row.headers,
    body_size: row.bodySize,
    body_truncated: row.bodyTruncated,
    source_ip: row.sourceIp,
    outcome: row.outcome,
    status: row.status,
    reason: row.reason,
    run_id: row.runId,
  };
}

export function toInboxEntryJson(row: InboxRow, body: Buffer): InboxEntryResponse {
  const text = isUtf8(body);
  return {
    ...toInboxSummaryJson(row),
    body: body.toString(text ? "utf8" : "base64"),
    body_encoding: text ? "utf8" : "base64",
  };
}
