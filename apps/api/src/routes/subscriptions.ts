import { Router, type RequestHandler, type Response } from "express";
import { actorOf } from "@switchyard/core/auth/api-key";
import type { Deps } from "@switchyard/core/deps";
import { BadRequestError, NotFoundError } from "@switchyard/core/errors";
import { parseInput } from "@switchyard/core/http/parse-input";
import { secretBoxFor } from "@switchyard/core/secrets/secret-box";
import { pauseDeliveries, resumeDeliveries } from "@switchyard/core/subscriptions/delivery-store";
import { decodeDeliveryCursor, listDeliveries, retryDelivery } from "@switchyard/core/subscriptions/list-deliveries";
import {
  CreateSubscriptionBody,
  ListDeliveriesQuery,
  UpdateSubscriptionBody,
} from "@switchyard/core/subscriptions/subscription-schemas";
import {
  createSubscription,
  deleteSubscription,
  getSubscription,
  listSubscriptions,
  toSubscriptionJson,
  updateSubscription,
} from "@switchyard/core/subscriptions/subscription-store";
import { ANONYMOUS } from "../middleware/auth";
import { principalOf } from "../middleware/principal";

const actor = (res: Response) => actorOf(principalOf(res) ?? ANONYMOUS);

/**
 * Outgoing run events (docs/outgoing-events.md): subscriptions and their deliveries. Admin scope for all of them
 * (scope-policy.ts): deliveries hold run payloads. The secret is write-only: in the creation's answer, then never.
 */
export function subscriptionRoutes(deps: Deps): Router {
  const { db, logger, config } = deps;
  const router = Router();
  const box = secretBoxFor(config);

  router.get("/subscriptions", async (_req, res) => {
    res.json((await listSubscriptions(db)).map(toSubscriptionJson));
  });

  router.post("/subscriptions", createSubscriptionHandler(deps));

  router.get("/subscriptions/:id", async (req, res) => {
    res.json(toSubscriptionJson(await getSubscription(db, req.params.id)));
  });

  router.put("/subscriptions/:id", async (req, res) => {
    const before = await getSubscription(db, req.params.id);
    const body = parseInput(UpdateSubscriptionBody, req.body);
    const updated = await updateSubscription(db, box, before.id, body);
    if (!before.enabled && updated.enabled) await resumeDeliveries(db, updated.id);
    if (before.enabled && !updated.enabled) await pauseDeliveries(db, updated.id);
    logger.info("subscription updated", {
      subscriptionId: updated.id,
      events: updated.events,
      workflowId: updated.workflowId,
      enabled: updated.enabled,
      secretChanged: body.secret !== undefined,
      actor: actor(res),
    });
    res.json(toSubscriptionJson(updated));
  });

  router.delete("/subscriptions/:id", async (req, res) => {
    if (!(await deleteSubscription(db, req.params.id))) throw new NotFoundError("Subscription not found");
    logger.info("subscription deleted", { subscriptionId: req.params.id, actor: actor(res) });
    res.status(204).end();
  });

  router.get("/subscriptions/:id/deliveries", async (req, res) => {
    const subscription = await getSubscription(db, req.params.id);
    const query = parseInput(ListDeliveriesQuery, req.query, "query");
    const after = query.cursor === undefined ? undefined : decodeDeliveryCursor(query.cursor);
    if (after === null) throw new BadRequestError("Invalid cursor", 422, "validation");
    const page = await listDeliveries(db, { subscriptionId: subscription.id, limit: query.limit, after });
    if (page.nextCursor !== null) res.set("X-Next-Cursor", page.nextCursor);
    res.json(page.deliveries);
  });

  router.post("/subscriptions/:id/deliveries/:delivery_id/retry", retryDeliveryHandler(deps));

  return router;
}

/** `POST /subscriptions` (the API's and the dashboard's): 201 with the secret, the only time it is shown. */
export function createSubscriptionHandler({ db, logger, config }: Deps): RequestHandler {
  const box = secretBoxFor(config);
  return async (req, res) => {
    const body = parseInput(CreateSubscriptionBody, req.body);
    const createdBy = actor(res);
    const { subscription, secret } = await createSubscription(db, box, body, createdBy);
    logger.info("subscription created", {
      subscriptionId: subscription.id,
      events: subscription.events,
      workflowId: subscription.workflowId,
      actor: createdBy,
    });
    res.status(201).json({ ...toSubscriptionJson(subscription), secret });
  };
}

/** `POST /subscriptions/:id/deliveries/:delivery_id/retry` (the API's and the dashboard's): 202, pending again. */
export function retryDeliveryHandler({ db, logger }: Deps): RequestHandler {
  return async (req, res) => {
    const subscription = await getSubscription(db, String(req.params.id));
    const delivery = await retryDelivery(db, subscription.id, String(req.params.delivery_id));
    logger.info("delivery retry requested", {
      subscriptionId: subscription.id,
      deliveryId: delivery.id,
      actor: actor(res),
    });
    res.status(202).json(delivery);
  };
}
