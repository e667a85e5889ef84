import express, { type Express } from "express";
import type { Deps } from "@switchyard/core/deps";
import { NotFoundError } from "@switchyard/core/errors";
import { errorHandler } from "./middleware/error-handler";
import { requireApiToken } from "./middleware/auth";
import { systemRoutes, systemWorkerRoutes } from "./routes/system";
import { workflowRoutes } from "./routes/workflows";
import { webhookConfigRoutes, webhookInvokeRoutes } from "./routes/webhook";
import { cronRoutes } from "./routes/cron";
import { manualRoutes } from "./routes/manual";
import { runRoutes } from "./routes/runs";
import { executionRoutes } from "./routes/executions";
import { BULL_BOARD_PATH, mountBullBoard } from "./routes/bull-board";
import { requestId } from "./middleware/request-id";
import { securityHeaders } from "./middleware/security-headers";

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

/** Builds the API. Does not listen: main.ts (or a test, on port 0) does. */
export function createApp(deps: Deps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", deps.config.TRUST_PROXY);
  app.set("query parser", "simple");
  app.use(requestId());
  app.use(securityHeaders(BULL_BOARD_PATH));

  // Public: probes and webhook deliveries (protected by each workflow's own secrets).
  app.use(systemRoutes(deps));
  app.use("/api", webhookInvokeRoutes(deps));

  mountBullBoard(app, deps);

  // Everything else under /api needs a token when AUTH_MODE=required.
  const api = express.Router();
  api.use(requireApiToken(deps.config));
  api.use(express.json({ limit: "2mb", strict: false, reviver: rejectUnstorableText }));
  api.use(workflowRoutes(deps));
  api.use(webhookConfigRoutes(deps));
  api.use(cronRoutes(deps));
  api.use(manualRoutes(deps));
  api.use(runRoutes(deps));
  api.use(executionRoutes(deps));
  api.use(systemWorkerRoutes(deps));
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
