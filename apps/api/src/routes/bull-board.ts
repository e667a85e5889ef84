import type { Express, Router } from "express";
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import { hasScope } from "@switchyard/core/auth/api-key";
import type { Authenticator } from "@switchyard/core/auth/authenticator";
import type { Deps } from "@switchyard/core/deps";
import { DASHBOARD_PATH } from "./admin/mount-dashboard";
import { sameOriginOnly } from "../middleware/csrf";
import { dashboardAuth } from "../middleware/dashboard-auth";
import { principalOf, requireScope } from "../middleware/principal";

export const BULL_BOARD_PATH = "/admin/queues";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function createBoard({ queues }: Deps, readOnlyMode: boolean): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: [new BullMQAdapter(queues.runs, { readOnlyMode }), new BullMQAdapter(queues.beat, { readOnlyMode })],
    serverAdapter,
    // A way back to the runs dashboard (which links here) from Bull Board's header.
    options: { uiConfig: { boardTitle: "Switchyard queues", miscLinks: [{ text: "Runs dashboard", url: DASHBOARD_PATH }] } },
  });
  return serverAdapter.getRouter() as Router;
}

/**
 * Bull Board behind the dashboard auth (dashboard-auth.ts) and the same-origin check (csrf.ts). Two boards on one
 * path, chosen per request: `admin` gets the full board, `read` and `trigger` a read-only one (bull-board's
 * readOnlyMode on each queue adapter hides the actions and refuses them). Writes by a non-admin are refused
 * with 403 before either board sees them, whatever bull-board's own checks cover.
 */
export function mountBullBoard(app: Express, deps: Deps, authenticator: Authenticator): void {
  const full = createBoard(deps, false);
  const readOnly = createBoard(deps, true);
  const adminWrites = requireScope("admin");
  app.use(
    BULL_BOARD_PATH,
    sameOriginOnly(),
    dashboardAuth(deps.config, authenticator),
    requireScope("read"),
    (req, res, next) => (SAFE_METHODS.has(req.method) ? next() : adminWrites(req, res, next)),
    (req, res, next) => {
      const principal = principalOf(res);
      const board = principal !== undefined && hasScope(principal.scopes, "admin") ? full : readOnly;
      board(req, res, next);
    },
  );
  deps.logger.info("bull board enabled", { path: BULL_BOARD_PATH });
}
