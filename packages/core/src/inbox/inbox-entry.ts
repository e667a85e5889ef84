import { randomUUID } from "node:crypto";
import type { WebhookConfig } from "../triggers/webhook/webhook-config";
import type { WebhookHeaders } from "../triggers/webhook/verify-webhook-auth";
import { firstQueryValues, toStoredHeaders, toStoredQuery } from "../triggers/webhook/webhook-input";

/** Bytes of a body the inbox keeps when the process sets no INBOX_MAX_BODY_BYTES. */
export const DEFAULT_INBOX_MAX_BODY_BYTES = 1_048_576;

/** The request of one delivery as the inbox keeps it. */
export type InboxRequest = {
  method: string;
  path: string;
  headers: WebhookHeaders;
  query: Readonly<Record<string, unknown>>;
  sourceIp: string | null;
  receivedAt: Date;
};

/**
 * One inbox row, ready for the insert statements (a JSON parameter: the body travels base64-encoded and is decoded
 * to bytes by Postgres). Headers and query parameters named like a credential are removed, and so are the config's
 * own secret and signature headers (`toStoredHeaders`), exactly as a run's input keeps them.
 */
export type InboxRecord = {
  id: string;
  received_at: string;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
  body_size: number;
  body_truncated: boolean;
  source_ip: string | null;
};

/** A rejected delivery, with what the inbox needs to keep it. */
export type InboxRejection = {
  workflowId: string;
  status: number;
  reason: string;
  /** null when the body was never read (405) or was too large to read (413). */
  rawBody: Buffer | null;
  config: Pick<WebhookConfig, "secret_header" | "hmac_header">;
};

/** The row of a delivery; `rawBody` null keeps an empty body whose size is the declared Content-Length. */
export function toInboxRecord(
  request: InboxRequest,
  rawBody: Buffer | null,
  config: Pick<WebhookConfig, "secret_header" | "hmac_header">,
  maxBodyBytes: number,
): InboxRecord {
  const declared = Number(request.headers["content-length"]);
  const size = rawBody?.length ?? (Number.isSafeInteger(declared) && declared >= 0 ? declared : 0);
  const kept = rawBody === null ? Buffer.alloc(0) : rawBody.subarray(0, maxBodyBytes);
  return {
    id: randomUUID(),
    received_at: request.receivedAt.toISOString(),
    method: request.method.toUpperCase(),
    path: request.path,
    query: toStoredQuery(firstQueryValues(request.query)),
    headers: toStoredHeaders(request.headers, config),
    body: kept.toString("base64"),
    body_size: Math.min(size, 2_147_483_647),
    body_truncated: kept.length < size,
    source_ip: request.sourceIp,
  };
}
