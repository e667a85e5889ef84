import { createHash, randomUUID } from "node:crypto";
import type { Config } from "../../config";
import type { Deps } from "../../deps";
import { secretBoxFor, SecretKeyError } from "../../secrets/secret-box";
import { AppError, BadRequestError, NotFoundError, UnauthorizedError } from "../../errors";
import { withTransaction, type Queryable } from "../../db";
import { createRuns, type CreatedRun, type NewRun } from "../../runs/create-runs";
import type { RunBatcher } from "../../runs/create-run-batcher";
import { enqueueCreated } from "../../runs/dispatch-runs";
import { toRunJson } from "../../runs/run-row";
import { findRunByIdempotencyKey, findWebhookTarget, type WebhookTargetLoader } from "./find-webhook-target";
import { openWebhookSecrets } from "./webhook-secrets";
import type { WebhookConfig, WebhookDebounce } from "./webhook-config";
import { debounceRun, type DebouncedRun } from "../../flow/debounce-run";
import { concurrencyKeyOf } from "../../flow/concurrency-key";
import type { WebhookGuard } from "./webhook-guard";
import { createWebhookInput, firstQueryValues, parseWebhookBody, type WebhookBody } from "./webhook-input";
import { headerValue, verifyWebhookAuth, type WebhookHeaders } from "./verify-webhook-auth";
import { listAuditEntries } from "../../runs/list-audit-entries";
import { DEFAULT_INBOX_MAX_BODY_BYTES, toInboxRecord, type InboxRejection } from "../../inbox/inbox-entry";

export type WebhookDelivery = {
  ref: string;
  method: string;
  headers: WebhookHeaders;
  query: Readonly<Record<string, unknown>>;
  sourceIp: string | null;
  /** Reads the whole body; rejects with a 413 error past `limit` bytes. */
  readBody: (limit: number) => Promise<Buffer>;
  now: Date;
  /** The request's path, kept in the inbox entry. */
  path?: string;
  /**
   * Told of a rejection (405, 400, 401, 413, 429) of a delivery to a known workflow, before the error is thrown: the
   * caller keeps it in the inbox once the answer is sent (`createRejectedDeliveryRecorder`).
   */
  onRejected?: (rejection: InboxRejection) => void;
};

/** `waitMs`: a created run whose config asks to answer at its end (`response.mode: "wait"`) waits this long. */
export type WebhookResponse = { status: 200 | 202; body: unknown; waitMs?: number };

const INVALID_CREDENTIALS = "Invalid webhook authentication credentials";
// Replay window when the age check is disabled (hmac_tolerance_seconds = 0).
const DEFAULT_REPLAY_WINDOW_SECONDS = 300;
// Longer idempotency values are hashed so any header value fits the unique index.
const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** Secrets are decrypted here only, for the check; a key problem is logged in full and answered 503 to the sender. */
function openSecrets(deps: Parameters<typeof invokeWebhook>[0], config: WebhookConfig): WebhookConfig {
  try {
    return openWebhookSecrets(config, secretBoxFor(deps.config));
  } catch (err) {
    if (!(err instanceof SecretKeyError)) throw err;
    throw new AppError(503, err.code, err.message, { detail: "Service unavailable" });
  }
}

/**
 * One webhook delivery, checked in api.md's order (the first failure wins): workflow, method, body size,
 * required headers, required query parameters, signature / secret, replay, rate limit. Only then a Slack
 * challenge is answered or a run is created.
 */
export async function invokeWebhook(
  deps: Pick<Deps, "db" | "queues" | "logger" | "changes"> &
    Partial<Pick<Deps, "metrics">> & {
      config: Pick<Config, "SECRET_KEY" | "SECRET_KEY_PREVIOUS" | "WEBHOOK_DEFAULT_RATE_LIMIT"> &
        Partial<Pick<Config, "INBOX_MAX_BODY_BYTES">>;
      /** Coalesces the inserts of unsigned deliveries arriving together (`createRunBatcher`); one each without. */
      createRun?: RunBatcher;
      /** Coalesces the workflow lookups of deliveries arriving together (`createWebhookTargetLoader`). */
      findTarget?: WebhookTargetLoader;
    },
  guard: WebhookGuard,
  delivery: WebhookDelivery,
): Promise<WebhookResponse> {
  // What the inbox keeps of a rejection: known once the workflow is (an unknown one's 404 is not kept).
  let seen: Omit<InboxRejection, "status" | "reason"> | null = null;
  const rejected = (status: number, reason: string) => {
    deps.metrics?.webhookRejected(status, reason);
    if (seen !== null) delivery.onRejected?.({ ...seen, status, reason });
  };
  const target = deps.findTarget?.(delivery.ref) ?? findWebhookTarget(deps.db, delivery.ref);
  const { workflowId, versionId, config } = await target.catch((err: unknown) => {
    if (err instanceof NotFoundError) rejected(404, "not_found");
    throw err;
  });
  seen = { workflowId, rawBody: null, config };

  const method = delivery.method.toUpperCase();
  if (!config.allowed_methods.includes(method)) {
    const allowed = config.allowed_methods.join(", ");
    rejected(405, "method_not_allowed");
    throw new AppError(405, "method_not_allowed", `Method ${method} not allowed. Allowed methods: ${allowed}`, {
      headers: { Allow: allowed },
    });
  }

  const rawBody = await delivery.readBody(config.max_body_bytes).catch((err: unknown) => {
    if (err instanceof Error && (err as { type?: unknown }).type === "entity.too.large") rejected(413, "too_large");
    throw err;
  });
  seen = { workflowId, rawBody, config };

  for (const [name, expected] of Object.entries(config.required_headers)) {
    if (headerValue(delivery.headers, name) !== expected) {
      rejected(400, "required_header");
      throw new BadRequestError(`Missing or invalid required header: ${name}`);
    }
  }
  const query = firstQueryValues(delivery.query);
  for (const [name, expected] of Object.entries(config.required_query_params)) {
    if (query[name] !== expected) {
      rejected(400, "required_query_param");
      throw new BadRequestError(`Missing or invalid required query parameter: ${name}`);
    }
  }

  const auth = verifyWebhookAuth({
    rawBody,
    headers: delivery.headers,
    config: openSecrets(deps, config),
    now: delivery.now,
  });
  if (!auth.ok) {
    rejected(401, auth.reason);
    deps.logger.debug("webhook authentication failed", { workflowId, reason: auth.reason });
    throw new UnauthorizedError(INVALID_CREDENTIALS);
  }
  const windowSeconds = config.hmac_tolerance_seconds || DEFAULT_REPLAY_WINDOW_SECONDS;
  const idempotencyKey = toIdempotencyKey(
    config.idempotency_header === null ? undefined : headerValue(delivery.headers, config.idempotency_header),
  );

  // Admission and the run in one go. A signed delivery's signature is recorded in the same transaction as its
  // run, so a delivery refused later (rate limit, bad body) or failing on our side leaves no trace and the
  // sender's retry is never taken for a replay; an unsigned one needs no transaction (the run is one statement).
  const admitAndCreate = async (tx: Queryable): Promise<WebhookResponse | CreatedRun[] | DebouncedRun> => {
    if (auth.signature !== null && !(await guard.recordSignature(tx, workflowId, auth.signature, windowSeconds))) {
      rejected(401, "replay");
      deps.logger.debug("webhook authentication failed", { workflowId, reason: "replay" });
      throw new UnauthorizedError(INVALID_CREDENTIALS);
    }
    // A config without a rate_limit of its own gets the platform's default: an unsigned webhook is public, and this
    // bounds how fast anyone can fill the runs table through it.
    const rateLimit = config.rate_limit ?? deps.config.WEBHOOK_DEFAULT_RATE_LIMIT;
    if (rateLimit !== null && !(await guard.withinRateLimit(workflowId, rateLimit))) {
      rejected(429, "rate_limited");
      const { limit, interval_seconds } = rateLimit;
      throw new AppError(
        429,
        "rate_limited",
        `Webhook rate limit exceeded. Limit: ${limit} requests per ${interval_seconds} seconds`,
      );
    }
    const body = parseWebhookBody(rawBody);
    const challenge = slackChallenge(body, rejected);
    if (challenge !== null) return { status: 200, body: { challenge } };
    const inputPayload = createWebhookInput({
      body,
      headers: delivery.headers,
      query,
      sourceIp: delivery.sourceIp,
      config,
    });
    const run: NewRun = {
      workflowId,
      workflowVersionId: versionId,
      triggeredBy: "webhook",
      inputPayload,
      execute: true,
      actor: "webhook",
      idempotencyKey,
      inbox: toInboxRecord(
        {
          method,
          path: delivery.path ?? "",
          headers: delivery.headers,
          query: delivery.query,
          sourceIp: delivery.sourceIp,
          receivedAt: delivery.now,
        },
        rawBody,
        config,
        deps.config.INBOX_MAX_BODY_BYTES ?? DEFAULT_INBOX_MAX_BODY_BYTES,
      ),
    };
    if (config.debounce !== null) return debounceDelivery(deps, tx, run, config.debounce);
    // Unsigned: no transaction to join, so the insert may share one statement with other deliveries'.
    if (tx === deps.db && deps.createRun !== undefined) {
      const created = await deps.createRun(run);
      return created === null ? [] : [created];
    }
    return createRuns(tx, [run]);
  };
  const result =
    auth.signature === null ? await admitAndCreate(deps.db) : await withTransaction(deps.db, admitAndCreate);
  if (!Array.isArray(result) && "inserted" in result) return debouncedResponse(deps, result);
  if (!Array.isArray(result)) return result;
  // Answered at the commit: the run is durable there, and the worker finds it through its job or, if Redis lost
  // it, through the reconciler. The job is added meanwhile (coalesced with other deliveries'), not awaited: Redis
  // is no part of the answer's latency. Shutdown waits for it (`closeQueues`).
  enqueueCreated(deps, result).catch((err: unknown) => deps.logger.error("enqueue failed", { err }));
  const first = result[0];
  if (first !== undefined) {
    const body = toRunJson(first.run, first.audit);
    return config.response.mode === "wait"
      ? { status: 202, body, waitMs: config.response.timeout_ms }
      : { status: 202, body };
  }

  // Not inserted: an earlier delivery with this key won the unique constraint. Answer with its run.
  const existing = idempotencyKey === null ? null : await findRunByIdempotencyKey(deps.db, workflowId, idempotencyKey);
  if (existing === null) throw new Error("run insert returned no row and no idempotent duplicate exists");
  const audit = await listAuditEntries(deps.db, [existing.id]);
  return { status: 200, body: toRunJson(existing, audit.get(existing.id) ?? []) };
}

/** A debounced delivery joins (or creates) the pending run of its key; its key is evaluated like a concurrency key. */
async function debounceDelivery(
  deps: Pick<Deps, "logger">,
  tx: Queryable,
  run: NewRun,
  debounce: WebhookDebounce,
): Promise<DebouncedRun> {
  const runId = randomUUID();
  const key = await concurrencyKeyOf(debounce.key, run.inputPayload, runId);
  // The idempotency key is not used: one delivery id per run would defeat the debounce.
  return debounceRun(tx, { ...run, id: runId, idempotencyKey: null }, key, debounce.seconds);
}

/** 202 with the run for every delivery of the key; only the delivery that created it enqueues its (delayed) job. */
function debouncedResponse(deps: Parameters<typeof enqueueCreated>[0], debounced: DebouncedRun): WebhookResponse {
  if (debounced.inserted) {
    enqueueCreated(deps, [debounced]).catch((err: unknown) => deps.logger.error("enqueue failed", { err }));
  }
  return { status: 202, body: toRunJson(debounced.run, debounced.audit) };
}

/** The challenge of a Slack URL verification body; null when the body is not one. */
function slackChallenge(body: WebhookBody, rejected: (status: number, reason: string) => void): string | null {
  const json = body.json;
  if (json === null || typeof json !== "object" || Array.isArray(json)) return null;
  const { type, challenge } = json as { type?: unknown; challenge?: unknown };
  if (type !== "url_verification") return null;
  if (typeof challenge !== "string" || challenge.trim().length === 0) {
    rejected(400, "slack_challenge");
    throw new BadRequestError("Missing Slack challenge value");
  }
  return challenge;
}

function toIdempotencyKey(value: string | undefined): string | null {
  const key = value?.trim();
  if (key === undefined || key.length === 0) return null;
  return key.length <= MAX_IDEMPOTENCY_KEY_LENGTH ? key : `sha256:${createHash("sha256").update(key).digest("hex")}`;
}
