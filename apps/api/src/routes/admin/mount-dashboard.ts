import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import express, { Router, type Express, type RequestHandler } from "express";
import type { Deps } from "@switchyard/core/deps";
import type { LiveRuns } from "@switchyard/core/run-events/live-runs";
import { runEventRoutes } from "../run-events";
import { NotFoundError } from "@switchyard/core/errors";
import { cronRoutes } from "../cron";
import { executionRoutes } from "../executions";
import { runRoutes } from "../runs";
import { runSearchRoutes } from "../run-search";
import { systemQueueRoutes } from "../system-queues";
import { systemWorkerRoutes } from "../system";
import { webhookConfigRoutes } from "../webhook";
import { workflowRoutes } from "../workflows";
import { flowControlRoutes } from "../flow-control";
import type { AuthThrottle } from "@switchyard/core/auth/auth-throttle";
import type { Authenticator } from "@switchyard/core/auth/authenticator";
import { dashboardAuth } from "../../middleware/dashboard-auth";
import { assertScope, requireScope } from "../../middleware/principal";
import { inboxRoutes, replayInbox } from "../inbox";
import { createSubscriptionHandler, retryDeliveryHandler, subscriptionRoutes } from "../subscriptions";
import { requireSameOriginWrite } from "./auth";
import { dashboardActionRoutes } from "./dashboard-actions";

export const DASHBOARD_PATH = "/admin";
// Beside this file; in the bundle (dist/, `npm run build`) beside the bundle, where the build copies it.
const PUBLIC_DIR = join(dirname(fileURLToPath(import.meta.url)), "public");
const require = createRequire(import.meta.url);

/** The API's own routers, GET only: the dashboard reads through exactly what API clients read. */
function readOnly(router: Router): RequestHandler {
  return (req, res, next) => (req.method === "GET" || req.method === "HEAD" ? router(req, res, next) : next());
}

/**
 * The operators' runs dashboard: static ES modules (no build step) under /admin, and its JSON under /admin/api,
 * behind the same auth as Bull Board (dashboard-auth.ts): any key with the `read` scope reads; the run actions
 * (cancel, retry, re-run) need `trigger`, as on the API. Mounted after Bull Board, which owns /admin/queues.
 */
export function mountDashboard(
  app: Express,
  deps: Deps,
  authenticator: Authenticator,
  throttle: AuthThrottle,
  live: LiveRuns,
): void {
  const api = Router();
  api.use(requireSameOriginWrite);
  api.use((req, res, next) =>
    req.method === "GET" || req.method === "HEAD" ? next() : requireScope("trigger")(req, res, next),
  );
  api.use(express.json({ limit: "2mb" }));
  api.use(dashboardActionRoutes(deps));
  for (const routes of [
    workflowRoutes,
    flowControlRoutes,
    webhookConfigRoutes,
    cronRoutes,
    runSearchRoutes,
    runRoutes,
    executionRoutes,
    systemQueueRoutes,
    systemWorkerRoutes,
  ]) {
    api.use(readOnly(routes(deps)));
  }
  // The Inbox page: its entries hold raw payloads, so reading them needs `admin` as on the API, and so does Replay.
  const inbox = inboxRoutes(deps);
  api.use((req, res, next) => {
    if (!(req.method === "GET" || req.method === "HEAD")) return next();
    if (!/^\/(inbox\/|workflows\/[^/]+\/inbox\/?$)/i.test(req.path)) return next();
    assertScope(res, "admin");
    return inbox(req, res, next);
  });
  api.post("/inbox/:id/replay", requireScope("admin"), replayInbox(deps));
  // The Subscriptions page: admin only, reads included (deliveries hold run payloads), as on the API.
  const subscriptions = subscriptionRoutes(deps);
  api.use((req, res, next) => {
    if (!(req.method === "GET" || req.method === "HEAD")) return next();
    if (!/^\/subscriptions(\/|$)/i.test(req.path)) return next();
    assertScope(res, "admin");
    return subscriptions(req, res, next);
  });
  api.post("/subscriptions", requireScope("admin"), createSubscriptionHandler(deps));
  api.post("/subscriptions/:id/deliveries/:delivery_id/retry", requireScope("admin"), retryDeliveryHandler(deps));
  // The run page follows a live run through its event stream.
  api.use(readOnly(runEventRoutes(deps, live)));
  api.use(() => {
    throw new NotFoundError("Not Found");
  });

  const dashboard = Router();
  dashboard.use(dashboardAuth(deps.config, authenticator, throttle), requireScope("read"));
  dashboard.use("/api", api);
  const assets = { index: false, maxAge: "5m" } as const;
  dashboard.use("/vendor/preact", express.static(dirname(require.resolve("preact")), assets));
  dashboard.use("/vendor/htm", express.static(dirname(require.resolve("htm")), assets));
  dashboard.use("/assets", express.static(PUBLIC_DIR, assets));
  // The page itself, for /admin and /admin/ (its routes live in the URL's fragment).
  dashboard.get("/", (_req, res) => res.sendFile(join(PUBLIC_DIR, "index.html")));
  app.use(DASHBOARD_PATH, dashboard);
  deps.logger.info("dashboard enabled", { path: DASHBOARD_PATH });
}
