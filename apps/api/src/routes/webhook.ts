import type { IncomingMessage, ServerResponse } from "node:http";
import { Router, type Express, type RequestHandler } from "express";
import getRawBody from "raw-body";
import type { Deps } from "@switchyard/core/deps";
import { invokeWebhook } from "@switchyard/core/triggers/webhook/invoke-webhook";
import {
  parseWebhookConfig,
  toWebhookConfigJson,
  DEFAULT_WEBHOOK_CONFIG,
  MAX_WEBHOOK_WAIT_MS,
} from "@switchyard/core/triggers/webhook/webhook-config";
import { findWebhookConfig, saveWebhookConfig } from "@switchyard/core/triggers/webhook/webhook-config-store";
import { createWebhookTargetLoader } from "@switchyard/core/triggers/webhook/find-webhook-target";
import { createRunBatcher } from "@switchyard/core/runs/create-run-batcher";
import { createWebhookGuard } from "@switchyard/core/triggers/webhook/webhook-guard";
import { sealWebhookSecrets } from "@switchyard/core/triggers/webhook/webhook-secrets";
import { secretBoxFor } from "@switchyard/core/secrets/secret-box";
import { resolveWorkflow } from "@switchyard/core/workflows/resolve-workflow";
import { createRejectedDeliveryRecorder } from "@switchyard/core/inbox/record-rejected-deliveries";
import type { InboxRejection } from "@switchyard/core/inbox/inbox-entry";
import { ValidationError } from "@switchyard/core/errors";
import type { LiveRuns } from "@switchyard/core/run-events/live-runs";
import { getRunJson } from "@switchyard/core/runs/run-actions";
import type { RunResponse } from "@switchyard/core/runs/run-response";

const CONFIG_PATH = "/workflows/:ref/triggers/webhook/config";

/** PUT/GET /api/workflows/{ref}/triggers/webhook/config (behind API auth). */
export function webhookConfigRoutes({ db, config: appConfig }: Deps): Router {
  const router = Router();

  router.get(CONFIG_PATH, async (req, res) => {
    const workflow = await resolveWorkflow(db, req.params.ref);
    res.json(toWebhookConfigJson((await findWebhookConfig(db, workflow.id)) ?? { ...DEFAULT_WEBHOOK_CONFIG }));
  });

  router.put(CONFIG_PATH, async (req, res) => {
    const workflow = await resolveWorkflow(db, req.params.ref);
    // The stored config is read first: a secret sent back masked keeps its stored value.
    const stored = await findWebhookConfig(db, workflow.id);
    const config = parseWebhookConfig(req.body ?? {}, stored);
    // Stored encrypted (SECRET_KEY); the answer masks the secrets either way.
    await saveWebhookConfig(db, workflow.id, sealWebhookSecrets(config, stored, secretBoxFor(appConfig)));
    res.json(toWebhookConfigJson(config));
  });

  return router;
}

export const WEBHOOK_PATH = "/api/workflows/:ref/triggers/webhook";
const WEBHOOK_METHODS = ["get", "post", "put", "patch", "delete"] as const;

/** What a delivery needs of its request beyond Node's own: the decoded ref, the parsed query, the client address. */
export type DeliveryRequest = { ref: string; query: Readonly<Record<string, unknown>>; ip: string | undefined };

/**
 * Answers one delivery on a plain Node request and response (Express's, or those of the fast path in
 * webhook-fast-path.ts); rejects with the error to render.
 */
export type DeliverWebhook = (req: IncomingMessage, res: ServerResponse, delivery: DeliveryRequest) => Promise<void>;

/**
 * The one delivery handler of an app: its insert batcher and lookup batcher serve every delivery. A delivery in
 * `wait` mode (its config's `response`, or `?wait=<ms>`) waits for its run through `live`, holding nothing but its
 * socket and a timer.
 */
export function createWebhookDelivery(deps: Deps, live: Pick<LiveRuns, "answers">): DeliverWebhook {
  const guard = createWebhookGuard(deps.redis, deps.config.QUEUE_PREFIX, deps.logger);
  const invokeDeps = { ...deps, createRun: createRunBatcher(deps.db), findTarget: createWebhookTargetLoader(deps.db) };
  const keepRejected = createRejectedDeliveryRecorder({
    ...deps,
    prefix: deps.config.QUEUE_PREFIX,
    perMinute: deps.config.INBOX_REJECTED_PER_MINUTE,
    maxBodyBytes: deps.config.INBOX_MAX_BODY_BYTES,
  });

  const deliver: DeliverWebhook = async (req, res, { ref, query, ip }) => {
    const url = req.url ?? "";
    const queryAt = url.indexOf("?");
    const path = queryAt < 0 ? url : url.slice(0, queryAt);
    const now = new Date();
    const sourceIp = clientIp(ip);
    let rejection: InboxRejection | null = null;
    // Checked before anything is created: a bad value is the sender's mistake (422), not a run.
    const wait = query.wait === undefined ? undefined : parseWaitParam(query.wait);
    const result = await invokeWebhook(invokeDeps, guard, {
      ref,
      method: req.method ?? "GET",
      headers: req.headers,
      query,
      sourceIp,
      readBody: (limit) => readRawBody(req, limit),
      now,
      path,
      onRejected: (r) => (rejection = r),
    }).catch((err: unknown) => {
      // Kept once the error's answer is sent (or the client went away): the inbox never delays a rejection.
      const kept = rejection;
      if (kept !== null) {
        res.once("close", () =>
          keepRejected(
            {
              method: req.method ?? "GET",
              path,
              headers: req.headers,
              query,
              sourceIp,
              receivedAt: now,
            },
            kept,
          ),
        );
      }
      throw err;
    });
    const waitMs = result.status === 202 ? (wait ?? result.waitMs) : undefined;
    if (waitMs === undefined) return sendJson(res, result.status, result.body);
    const run = result.body as RunResponse;
    // Registered in the same turn as the commit's answer: the run cannot have ended unheard before.
    const answer = await live.answers.wait(run.id, waitMs);
    if (answer === null) {
      const current = await getRunJson(deps.db, run.id).catch(() => run);
      res.setHeader("Location", `/api/runs/${run.id}`);
      return sendJson(res, 202, current);
    }
    if (answer.kind === "ended") {
      const { runId, status } = answer;
      return sendJson(
        res,
        200,
        status === "succeeded"
          ? { run_id: runId, status, result: answer.result ?? null }
          : { run_id: runId, status, error: answer.error ?? null },
      );
    }
    sendAnswer(res, answer.status, answer.headers, answer.body);
  };
  return deliver;
}

/** `?wait=<ms>`: 1 to 30000 ms, a whole number. */
function parseWaitParam(value: unknown): number {
  const text = Array.isArray(value) ? value[0] : value;
  const ms = typeof text === "string" && /^\d{1,6}$/.test(text) ? Number(text) : NaN;
  if (!(ms >= 1 && ms <= MAX_WEBHOOK_WAIT_MS)) {
    throw new ValidationError([
      {
        loc: ["query", "wait"],
        msg: `must be a whole number of milliseconds from 1 to ${MAX_WEBHOOK_WAIT_MS}`,
        type: "value_error",
      },
    ]);
  }
  return ms;
}

/** A `respond` node's answer: its status and headers, a string body as it is, anything else as JSON. */
function sendAnswer(res: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  for (const [name, value] of Object.entries(headers)) {
    if (!/^(content-length|transfer-encoding|connection)$/i.test(name)) res.setHeader(name, value);
  }
  if (typeof body === "string") {
    if (!res.hasHeader("Content-Type")) res.setHeader("Content-Type", "text/plain; charset=utf-8");
    res.statusCode = status;
    res.setHeader("Content-Length", Buffer.byteLength(body));
    res.end(body);
    return;
  }
  if (!res.hasHeader("Content-Type")) return sendJson(res, status, body ?? null);
  const json = JSON.stringify(body ?? null);
  res.statusCode = status;
  res.setHeader("Content-Length", Buffer.byteLength(json));
  res.end(json);
}

/**
 * Public: /api/workflows/{ref}/triggers/webhook, any method. Reads its own raw body. Mounted on the app itself,
 * ahead of the other public routes.
 */
export function mountWebhookInvoke(app: Express, deliver: DeliverWebhook): void {
  const invoke: RequestHandler = (req, res) =>
    deliver(req, res, { ref: req.params.ref as string, query: req.query as Record<string, unknown>, ip: req.ip });
  const route = app.route(WEBHOOK_PATH);
  for (const method of WEBHOOK_METHODS) route[method](invoke);
}

/**
 * What `res.json` sends (the same Content-Type and body), without the ETag Express would hash the body for: an
 * answer to a delivery is never revalidated, and a GET delivery must not be answered 304 (its run was created).
 */
function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.setHeader("Content-Length", Buffer.byteLength(json));
  res.end(json);
}

/** The client address as Orcheo reports it: an IPv4 peer without its IPv6-mapped prefix. */
function clientIp(ip: string | undefined): string | null {
  if (ip === undefined) return null;
  return ip.startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip;
}

/**
 * The exact bytes the sender signed. Past `limit`, raw-body fails with `entity.too.large` (→ 413 in the error
 * middleware); like body-parser, the rest of the request is read off first so the client sees the answer.
 */
async function readRawBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  try {
    return await getRawBody(req, { limit, length: req.headers["content-length"] });
  } catch (err) {
    await drain(req);
    throw err;
  }
}

function drain(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (req.complete || req.destroyed) return resolve();
    req.once("end", () => resolve());
    req.once("close", () => resolve());
    req.once("error", () => resolve());
    req.resume();
  });
}
