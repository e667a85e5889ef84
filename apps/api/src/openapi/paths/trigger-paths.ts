import { z } from "zod";
import type { ZodOpenApiOperationObject, ZodOpenApiPathsObject } from "zod-openapi";
import { CronConfigBody, CronConfigResponse } from "@switchyard/core/triggers/cron/cron-config";
import { CronDispatchBody } from "@switchyard/core/triggers/cron/cron-dispatch-body";
import { CronOutlookResponse } from "@switchyard/core/triggers/cron/cron-occurrences";
import { WebhookConfigBody, WebhookConfigResponse } from "@switchyard/core/triggers/webhook/webhook-config";
import { ManualDispatchBody } from "@switchyard/core/runs/run-schemas";
import { RunResponse } from "@switchyard/core/runs/run-response";
import { OccurrencesQuery } from "../../routes/cron";
import { errors, json, ok, PUBLIC, workflowRefParams } from "../openapi-common";

const webhookTags = ["Webhook trigger"];

/** A waiting delivery's answer once its run ended (docs/sync-webhooks.md). */
const WaitedRunResponse = z
  .strictObject({
    run_id: z.uuid(),
    status: z.enum(["succeeded", "failed", "cancelled"]),
    result: z.unknown().optional().meta({ description: "A succeeded run's final state" }),
    error: z.string().nullable().optional().meta({ description: "A failed or cancelled run's error" }),
  })
  .meta({ id: "WaitedRun" });
const cronTags = ["Cron trigger"];

const WEBHOOK_CHECKS =
  "Checked in this order, the first failure wins, and a rejected request consumes no rate-limit quota and creates no run: 404 workflow or version, 405 method, 413 body size, 400 required header, 400 required query parameter, 401 HMAC signature or shared secret (HMAC over the raw body or Orcheo's sorted-key JSON; GitHub `sha256=`, Stripe `t=…,v1=…`; replays refused), 429 rate limit (the config's `rate_limit`, else the platform's WEBHOOK_DEFAULT_RATE_LIMIT, 600 per 60 s unless the operator set it otherwise). Rate limits live in Redis, shared by every API process (while Redis cannot answer they are not applied); replays are refused from Postgres. Without a secret or HMAC the webhook is public: anyone who knows the URL can create runs.";

function invokeWebhook(method: string): ZodOpenApiOperationObject {
  return {
    operationId: `invokeWebhook${method}`,
    tags: webhookTags,
    summary: "Deliver a webhook",
    description: `Public: the workflow's webhook config protects it. ${WEBHOOK_CHECKS} The run's \`input_payload\` is \`{body, headers, query_params, source_ip}\`, without the config's secret and signature headers and without any header or query parameter named like a credential (key, token, secret, password, auth, session, credential, signature, cookie: docs/security.md); the body is \`{}\` when empty, the parsed JSON, else \`{"raw": "<text>"}\`.`,
    ...PUBLIC,
    requestParams: {
      path: workflowRefParams,
      query: z.object({
        preserve_raw_body: z.enum(["true", "false"]).optional().meta({
          description: 'true: the payload is `{"raw": "<body as text>", "parsed": <json when the body is JSON>}`',
        }),
        wait: z.string().optional().meta({
          description:
            "Milliseconds (1 to 30000) to wait for the run's end, whatever the config's `response` says (docs/sync-webhooks.md); anything else is 422",
        }),
      }),
    },
    requestBody: {
      required: false,
      description: "Any body, up to the config's max_body_bytes; signatures are checked over these exact bytes.",
      content: { "*/*": { schema: z.unknown() } },
    },
    responses: {
      202: {
        ...ok(
          'A run was created (pending, `triggered_by: "webhook"`); in `wait` mode, a run still going at the timeout, as it is then, with `Location: /api/runs/{id}`',
          RunResponse,
        ),
        headers: z.object({
          Location: z.string().optional().meta({ description: "`wait` mode past its timeout: the run's URL" }),
        }),
      },
      200: ok(
        "A duplicate delivery (same idempotency header value): the run the first delivery created; or a Slack URL verification, answered `{challenge}` without a run; or, in `wait` mode (the config's `response` or `?wait=`), the run's end: `{run_id, status, result}` when it succeeded, `{run_id, status, error}` otherwise. A `respond` node answers instead with its own status, headers and body, at once",
        z.union([RunResponse, z.strictObject({ challenge: z.string() }), WaitedRunResponse]),
      ),
      ...errors(400, 401, 404, 405, 413, [422, "`?wait=` is not a whole number from 1 to 30000"], 429, 503),
    },
  };
}

export const triggerPaths: ZodOpenApiPathsObject = {
  "/api/workflows/{workflow_ref}/triggers/webhook/config": {
    get: {
      operationId: "getWebhookConfig",
      tags: webhookTags,
      summary: "Read the webhook config",
      description: 'A workflow with no saved config reads as the defaults. Secrets read as `"********"`.',
      requestParams: { path: workflowRefParams },
      responses: { 200: ok("The config", WebhookConfigResponse), ...errors(401, 404) },
    },
    put: {
      operationId: "setWebhookConfig",
      tags: webhookTags,
      summary: "Save the webhook config",
      description:
        'Replaces the config; omitted fields take their defaults. `secret_header` + `shared_secret` and `hmac_header` + `hmac_secret` are set together or not at all (422). Secrets are write-only (Orcheo echoes them; this API does not): sending `"********"` back keeps the stored secret, so a client can read, edit and save without knowing it.',
      requestParams: { path: workflowRefParams },
      requestBody: { required: false, ...json(WebhookConfigBody) },
      responses: { 200: ok("The saved config", WebhookConfigResponse), ...errors(401, 404, 422) },
    },
  },
  "/api/workflows/{workflow_ref}/triggers/webhook": {
    get: invokeWebhook("get"),
    post: invokeWebhook("post"),
    put: invokeWebhook("put"),
    patch: invokeWebhook("patch"),
    delete: invokeWebhook("delete"),
  },
  "/api/workflows/{workflow_ref}/triggers/cron/config": {
    get: {
      operationId: "getCronConfig",
      tags: cronTags,
      summary: "Read the cron trigger",
      description: '404 "Cron trigger not found" when none is configured.',
      requestParams: { path: workflowRefParams },
      responses: { 200: ok("The cron trigger", CronConfigResponse), ...errors(401, 404) },
    },
    put: {
      operationId: "setCronConfig",
      tags: cronTags,
      summary: "Save the cron trigger",
      description:
        'Replaces the config; omitted fields take their defaults. 422 "Invalid cron expression: X", "Unknown timezone \'X\'", a schedule firing more often than every 300 s without `allow_overlapping`, `start_at`/`end_at` not on a whole minute or not in order. Beyond Orcheo: `catchup` says what happens to occurrences missed while nothing dispatched (`all`: every one, oldest first, one per dispatch; `latest`: only the most recent; `none`: skip to the next future one).',
      requestParams: { path: workflowRefParams },
      requestBody: { required: false, ...json(CronConfigBody) },
      responses: { 200: ok("The saved cron trigger", CronConfigResponse), ...errors(401, 404, 422) },
    },
    delete: {
      operationId: "deleteCronConfig",
      tags: cronTags,
      summary: "Remove the cron trigger",
      description: "204 also when none was configured.",
      requestParams: { path: workflowRefParams },
      responses: { 204: { description: "Removed" }, ...errors(401, 404) },
    },
  },
  "/api/workflows/{workflow_ref}/triggers/cron/occurrences": {
    get: {
      operationId: "getCronOccurrences",
      tags: cronTags,
      summary: "Next fire times and the dispatcher's latest decisions",
      description:
        "Beyond Orcheo (the dashboard's cron panel). The next 10 fire times, in UTC and in the trigger's timezone, and the latest occurrences with what the dispatcher decided, newest first. 404 \"Cron trigger not found\" when none is configured.",
      requestParams: { path: workflowRefParams, query: OccurrencesQuery },
      responses: { 200: ok("The outlook", CronOutlookResponse), ...errors(401, 404, 422) },
    },
  },
  "/api/triggers/cron/dispatch": {
    post: {
      operationId: "dispatchCron",
      tags: cronTags,
      summary: "Dispatch due cron occurrences",
      description:
        "What the beat calls every CRON_DISPATCH_INTERVAL seconds. At most one run per workflow per call, exactly once per occurrence whatever the number of dispatchers (decided in Postgres). A run's `input_payload` is `{scheduled_for, timezone}`. A trigger's next occurrence counts from its last dispatched one (exclusive), else `start_at`, else the earlier of the moment the config was saved and `now` (inclusive): a dispatch whose `now` is before the save (as Orcheo's tests send) fires the occurrence at `now`, and after downtime what was missed since the save is caught up.",
      requestBody: { required: false, ...json(CronDispatchBody) },
      responses: { 200: ok("The runs created (possibly none)", z.array(RunResponse)), ...errors(401, 422) },
    },
  },
  "/api/triggers/manual/dispatch": {
    post: {
      operationId: "dispatchManual",
      tags: ["Manual trigger"],
      summary: "Create runs by hand",
      description:
        'One to a hundred runs, answered in request order. `triggered_by` is `label`, else `"manual"` for one run and `"manual_batch"` for more. Every version is checked first: one unknown version is 404 and no run at all. Beyond Orcheo: a run with `run_at` is created pending and starts at that time.',
      requestBody: { required: true, ...json(ManualDispatchBody) },
      responses: { 200: ok("The runs", z.array(RunResponse)), ...errors(401, 404, 422) },
    },
  },
};
