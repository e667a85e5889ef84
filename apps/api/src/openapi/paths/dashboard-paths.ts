import { z } from "zod";
import {
  CreatedSubscriptionResponse,
  CreateSubscriptionBody,
  DeliveryResponse,
} from "@switchyard/core/subscriptions/subscription-schemas";
import type { ZodOpenApiOperationObject, ZodOpenApiPathsObject } from "zod-openapi";
import { RunResponse } from "@switchyard/core/runs/run-response";
import { CancelBody, RerunBody, RetryBody } from "../../routes/admin/dashboard-actions";
import { ADMIN, errors, json, ok, runIdParams, text } from "../openapi-common";

const tags = ["Dashboard"];

const SAME_ORIGIN =
  "A same-origin request carrying `X-Requested-With` (the page's `fetch` sends it); without it, with `Sec-Fetch-Site` other than `same-origin` or with a foreign `Origin` it is refused with 403, so another site cannot make an admin's browser act. The audit entry names the signed-in admin as its actor.";

/** One of the run page's actions: the run it acted on (200) or the run it created (201). */
function action(
  operationId: string,
  summary: string,
  description: string,
  body: { schema: z.ZodType; required: boolean },
  answer: { status: 200 | 201; conflict: boolean },
): ZodOpenApiOperationObject {
  return {
    operationId,
    tags,
    summary,
    description: `${description} ${SAME_ORIGIN}`,
    ...ADMIN,
    requestParams: { path: runIdParams },
    requestBody: { required: body.required, ...json(body.schema) },
    responses: {
      [answer.status]: ok(answer.status === 201 ? "The new run" : "The run", RunResponse),
      ...errors(401, 403, 404, ...(answer.conflict ? [409] : []), 413, 422),
    },
  };
}

/** The runs dashboard (docs/dashboard.md): its page and its state-changing calls. */
export const dashboardPaths: ZodOpenApiPathsObject = {
  "/admin/": {
    get: {
      operationId: "dashboardPage",
      tags,
      summary: "The runs dashboard page",
      description:
        "Also at `/admin`. Static ES modules (no build step) under `/admin/assets` and `/admin/vendor`; the page's routes live in the URL's fragment (`#/runs`, `#/runs/{id}`, `#/workflows`, `#/workflows/{ref}`, `#/system`).",
      ...ADMIN,
      responses: { 200: text("An HTML page", "text/html"), ...errors(401) },
    },
  },
  "/admin/api/runs/{run_id}/cancel": {
    post: action(
      "dashboardCancelRun",
      "Cancel a run (dashboard)",
      '`POST /api/runs/{run_id}/cancel` for a pending, running or waiting run: a run in progress also stops on its worker. 409 "Cannot cancel a run that is already completed."',
      { schema: CancelBody, required: false },
      { status: 200, conflict: true },
    ),
  },
  "/admin/api/runs/{run_id}/retry": {
    post: action(
      "dashboardRetryRun",
      "Retry a failed or cancelled run (dashboard)",
      '`POST /api/runs/{run_id}/retry`: a new pending run with the same version and input, `retry_of` set, enqueued. 409 "Only failed or cancelled runs can be retried."; 404 also when the workflow is archived.',
      { schema: RetryBody, required: false },
      { status: 201, conflict: true },
    ),
  },
  "/admin/api/runs/{run_id}/rerun": {
    post: action(
      "dashboardRerunRun",
      "Re-run with edited input (dashboard)",
      'A new manual run (`triggered_by: "manual"`) of the same workflow version with `input_payload` as the input, enqueued; 404 when the run, or its workflow (archived), is gone.',
      { schema: RerunBody, required: true },
      { status: 201, conflict: false },
    ),
  },
  "/admin/api/inbox/{id}/replay": {
    post: {
      operationId: "dashboardReplayInboxEntry",
      tags,
      summary: "Replay a webhook delivery (dashboard)",
      description: `\`POST /api/inbox/{id}/replay\` from the Inbox page, for an admin: a new run (\`triggered_by: "replay"\`) from the stored request, without the signature, replay and rate-limit checks. 409 when the body was not kept whole. The dashboard reads the inbox through \`GET /admin/api/workflows/{ref}/inbox\` and \`GET /admin/api/inbox/{id}\`, the API's routes, admin only. ${SAME_ORIGIN}`,
      ...ADMIN,
      requestParams: { path: z.object({ id: z.string().meta({ description: "The inbox entry's UUID" }) }) },
      responses: { 201: ok("The new run", RunResponse), ...errors(401, 403, 404, 409) },
    },
  },
  "/admin/api/subscriptions": {
    post: {
      operationId: "dashboardCreateSubscription",
      tags,
      summary: "Subscribe a URL to run events (dashboard)",
      description: `\`POST /api/subscriptions\` from the Subscriptions page, for an admin: the answer holds the secret, shown once. The page reads subscriptions and deliveries through the API's \`GET /admin/api/subscriptions...\` routes, admin only. ${SAME_ORIGIN}`,
      ...ADMIN,
      requestBody: { content: { "application/json": { schema: CreateSubscriptionBody } } },
      responses: {
        201: ok("The subscription, with its secret", CreatedSubscriptionResponse),
        ...errors(401, 403, 422),
      },
    },
  },
  "/admin/api/subscriptions/{id}/deliveries/{delivery_id}/retry": {
    post: {
      operationId: "dashboardRetryDelivery",
      tags,
      summary: "Send a delivery again (dashboard)",
      description: `\`POST /api/subscriptions/{id}/deliveries/{delivery_id}/retry\` from the Subscriptions page, for an admin. 409 while the subscription is disabled. ${SAME_ORIGIN}`,
      ...ADMIN,
      requestParams: {
        path: z.object({
          id: z.string().meta({ description: "The subscription's UUID" }),
          delivery_id: z.string().meta({ description: "The delivery's UUID" }),
        }),
      },
      responses: { 202: ok("The delivery, pending", DeliveryResponse), ...errors(401, 403, 404, 409) },
    },
  },
};
