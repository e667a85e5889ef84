import { Router } from "express";
import type { Deps } from "@switchyard/core/deps";

/** PUT/GET /api/workflows/{ref}/triggers/webhook/config (behind API auth). */
export function webhookConfigRoutes(_deps: Deps): Router {
  const router = Router();
  return router;
}

/** Public: /api/workflows/{ref}/triggers/webhook, any method. Reads its own raw body. */
export function webhookInvokeRoutes(_deps: Deps): Router {
  const router = Router();
  return router;
}
