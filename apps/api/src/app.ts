import express, { type Express } from "express";
import type { Deps } from "@switchyard/core/deps";
import type { NodeRegistry } from "@switchyard/core/engine/node-registry";
import { NotFoundError } from "@switchyard/core/errors";
import { exceedsJsonDepth, MAX_JSON_DEPTH } from "@switchyard/core/http/json-depth";
import { errorHandler } from "./middleware/error-handler";
import { createAuthenticator, type Authenticator } from "@switchyard/core/auth/authenticator";
import { createAuthThrottle } from "@switchyard/core/auth/auth-throttle";
import { authenticateApi, authorizeApi } from "./middleware/auth";
import { managementRateLimit } from "./middleware/management-rate-limit";
import { apiKeyRoutes } from "./routes/api-keys";
import { systemRoutes, systemWorkerRoutes } from "./routes/system";
import { workflowRoutes } from "./routes/workflows";
import { flowControlRoutes } from "./routes/flow-control";
import { createWebhookDelivery, mountWebhookInvoke, webhookConfigRoutes } from "./routes/webhook";
import { cronRoutes } from "./routes/cron";
import { inboxRoutes } from "./routes/inbox";
import { subscriptionRoutes } from "./routes/subscriptions";
import { manualRoutes } from "./routes/manual";
import { runRoutes } from "./routes/runs";
import { runEventRoutes } from "./routes/run-events";
import { createLiveRuns, type LiveRuns } from "@switchyard/core/run-events/live-runs";
import { executionRoutes } from "./routes/executions";
import { runSearchRoutes } from "./routes/run-search";
import { systemQueueRoutes } from "./routes/system-queues";
import { BULL_BOARD_PATH, mountBullBoard } from "./routes/bull-board";
import { mountDashboard } from "./routes/admin/mount-dashboard";
import { docsRoutes } from "./routes/docs";
import { createRequestPreamble } from "./middleware/request-preamble";
import { createSecurityHeaders } from "./middleware/security-headers";
import { serveWebhookDeliveriesFirst } from "./routes/webhook-fast-path";
import { metricsRoutes } from "./routes/metrics";
import { traceRequests } from "./middleware/trace-requests";
import { discardUnreadBody } from "./middleware/discard-body";
import { rejectUnstorableUrl } from "./middleware/reject-unstorable-url";
import { mountMcp } from "./routes/mcp";

// Postgres text and jsonb cannot hold NUL characters or lone UTF-16 surrogates: refused at parse time (a 422),
// not when the INSERT fails (a 500).
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
function rejectUnstorableText(key: string, value: unknown): unknown {
  if (UNSTORABLE.test(key) || (typeof value === "string" && UNSTORABLE.test(value))) {
    throw new SyntaxError("NUL characters and lone surrogates are not allowed");
  }
  return value;
}

/** Checked before parsing, without recursion: past MAX_JSON_DEPTH the body is refused with a 422. */
function rejectDeepJson(_req: unknown, _res: unknown, buf: Buffer): void {
  if (exceedsJsonDepth(buf)) {
    throw Object.assign(new Error(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`), { type: "entity.too.deep" });
  }
}

const BODY_LIMIT = "2mb";
const BODY_LIMIT_BYTES = 2 * 1024 * 1024;

export type AppDeps = Deps & {
  /** Node types versions are validated against (built-ins plus NODE_PLUGINS); built-ins only when absent. */
  registry?: NodeRegistry;
  /** Run event streams and waiting webhook deliveries; main.ts closes it on shutdown. One of its own when absent. */
  live?: LiveRuns;
};

/**
 * Builds the API. Does not listen: main.ts (or a test, on port 0) does. One authenticator (API keys, tokens, its
 * short cache) serves the API and every dashboard; pass one to share it with routes mounted elsewhere. So does one
 * sign-in throttle (failed sign-ins per address and user name), whatever route a guesser tries.
 */
export function createApp(deps: AppDeps, authenticator: Authenticator = createAuthenticator(deps)): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", deps.config.TRUST_PROXY);
  app.set("query parser", "simple");
  // Request id and security headers: one preamble, applied by Express's first middleware and by the webhook fast path.
  const preamble = createRequestPreamble(createSecurityHeaders(BULL_BOARD_PATH));
  const throttle = createAuthThrottle(deps);
  // Webhook deliveries, the busiest route, skip Express's request handling unless tracing is on (its middleware
  // must see every request): see webhook-fast-path.ts.
  const live = deps.live ?? createLiveRuns(deps);
  const deliver = createWebhookDelivery(deps, live);
  if (deps.telemetry === undefined) serveWebhookDeliveriesFirst(app, deliver, preamble);
  else app.use(traceRequests());
  app.use(preamble.middleware);
  app.use(rejectUnstorableUrl());

  // Public: webhook deliveries (protected by each workflow's own secrets), probes, metrics (METRICS_TOKEN when
  // set) and the API's documentation.
  mountWebhookInvoke(app, deliver);
  app.use(systemRoutes(deps));
  app.use(metricsRoutes(deps, throttle));
  app.use(docsRoutes());

  mountBullBoard(app, deps, authenticator, throttle);
  mountDashboard(app, deps, authenticator, throttle, live);
  mountMcp(app, deps, authenticator, throttle);

  // Everything else under /api: a key or token when AUTH_MODE=required, a per-key rate limit, then the route's scope.
  const api = express.Router();
  api.use(authenticateApi(deps.config, authenticator, throttle));
  api.use(managementRateLimit(deps));
  api.use(authorizeApi());
  api.use(express.json({ limit: BODY_LIMIT, strict: false, reviver: rejectUnstorableText, verify: rejectDeepJson }));
  api.use(discardUnreadBody(BODY_LIMIT_BYTES));
  api.use(workflowRoutes(deps));
  api.use(flowControlRoutes(deps));
  api.use(webhookConfigRoutes(deps));
  api.use(cronRoutes(deps));
  api.use(manualRoutes(deps));
  api.use(runEventRoutes(deps, live));
  api.use(runRoutes(deps));
  api.use(executionRoutes(deps));
  api.use(runSearchRoutes(deps));
  api.use(systemQueueRoutes(deps));
  api.use(apiKeyRoutes(deps, authenticator));
  api.use(systemWorkerRoutes(deps));
  api.use(inboxRoutes(deps));
  api.use(subscriptionRoutes(deps));
  api.use(() => {
    throw new NotFoundError("Not Found");
  });
  app.use("/api", api);

  app.use(() => {
    throw new NotFoundError("Not Found");
  });
  app.use(errorHandler(deps.logger));
  return app;
}
