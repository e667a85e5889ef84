import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import {
  CreatedSubscriptionResponse,
  CreateSubscriptionBody,
  DeliveryResponse,
  ListDeliveriesQuery,
  SubscriptionResponse,
  UpdateSubscriptionBody,
} from "@switchyard/core/subscriptions/subscription-schemas";
import { errors, json, ok } from "../openapi-common";

const tags = ["Outgoing events"];
const idParams = z.object({
  id: z.string().meta({ description: "The subscription's UUID (anything else is 404)" }),
});
const deliveryParams = idParams.extend({
  delivery_id: z.string().meta({ description: "The delivery's UUID (anything else is 404)" }),
});
const ADMIN_SCOPE = "Admin scope, reads included (deliveries hold run payloads).";

export const subscriptionPaths: ZodOpenApiPathsObject = {
  "/api/subscriptions": {
    get: {
      operationId: "listSubscriptions",
      tags,
      summary: "List subscriptions to outgoing run events",
      description: `${ADMIN_SCOPE} Oldest first, without their secrets.`,
      responses: { 200: ok("The subscriptions", z.array(SubscriptionResponse)), ...errors(401, 403) },
    },
    post: {
      operationId: "createSubscription",
      tags,
      summary: "Subscribe a URL to run events",
      description: `${ADMIN_SCOPE} Deliveries follow Standard Webhooks (outgoing-events.md): \`webhook-id\`, \`webhook-timestamp\` and \`webhook-signature\` headers, body \`{type, timestamp, data}\`. The secret (given, or generated when omitted) is in this answer and never again; it is stored sealed with SECRET_KEY (422 without one). 422 naming the field: a URL that is not http(s), an unknown event, no events, a malformed secret, an unknown workflow.`,
      requestBody: { content: { "application/json": { schema: CreateSubscriptionBody } } },
      responses: {
        201: ok("The subscription, with its secret", CreatedSubscriptionResponse),
        ...errors(401, 403, 422),
      },
    },
  },
  "/api/subscriptions/{id}": {
    get: {
      operationId: "getSubscription",
      tags,
      summary: "Read a subscription",
      description: `${ADMIN_SCOPE} 404 "Subscription not found", also for an id that is not a UUID.`,
      requestParams: { path: idParams },
      responses: { 200: ok("The subscription", SubscriptionResponse), ...errors(401, 403, 404) },
    },
    put: {
      operationId: "updateSubscription",
      tags,
      summary: "Replace a subscription",
      description: `${ADMIN_SCOPE} Replaces url, events and workflow; a secret replaces the stored one, none keeps it. \`enabled: true\` re-enables a subscription disabled after 24 h of failures (its waiting deliveries are sent), \`false\` pauses it (its deliveries wait, never lost).`,
      requestParams: { path: idParams },
      requestBody: { content: { "application/json": { schema: UpdateSubscriptionBody } } },
      responses: { 200: ok("The subscription", SubscriptionResponse), ...errors(401, 403, 404, 422) },
    },
    delete: {
      operationId: "deleteSubscription",
      tags,
      summary: "Delete a subscription and its deliveries",
      description: ADMIN_SCOPE,
      requestParams: { path: idParams },
      responses: { 204: { description: "Deleted" }, ...errors(401, 403, 404) },
    },
  },
  "/api/subscriptions/{id}/deliveries": {
    get: {
      operationId: "listDeliveries",
      tags,
      summary: "List a subscription's deliveries with their attempts, newest first",
      description: `${ADMIN_SCOPE} Each delivery with every attempt (outcome, response code, duration, error). Kept DELIVERY_RETENTION_DAYS after it finished. Keyset pagination: when more follow, the \`X-Next-Cursor\` header holds the next page's \`cursor\`.`,
      requestParams: { path: idParams, query: ListDeliveriesQuery },
      responses: {
        200: {
          description: "The deliveries",
          headers: z.object({
            "X-Next-Cursor": z.string().optional().meta({ description: "Present when more deliveries follow" }),
          }),
          ...json(z.array(DeliveryResponse)),
        },
        ...errors(401, 403, 404, 422),
      },
    },
  },
  "/api/subscriptions/{id}/deliveries/{delivery_id}/retry": {
    post: {
      operationId: "retryDelivery",
      tags,
      summary: "Send a delivery again",
      description: `${ADMIN_SCOPE} Whatever its status (a failed or delivered one too): pending and due at once, with a fresh retry schedule, the same \`webhook-id\`. 409 while the subscription is disabled.`,
      requestParams: { path: deliveryParams },
      responses: { 202: ok("The delivery, pending", DeliveryResponse), ...errors(401, 403, 404, 409) },
    },
  },
};
