import type { Express } from "express";
import { hasScope } from "@switchyard/core/auth/api-key";
import type { AuthThrottle } from "@switchyard/core/auth/auth-throttle";
import type { Authenticator } from "@switchyard/core/auth/authenticator";
import type { Deps } from "@switchyard/core/deps";
import type { BullBoards } from "./bull-board-boards";
import { sameOriginOnly } from "../middleware/csrf";
import { dashboardAuth } from "../middleware/dashboard-auth";
import { principalOf, requireScope } from "../middleware/principal";

export const BULL_BOARD_PATH = "/admin/queues";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Bull Board behind the dashboard auth (dashboard-auth.ts) and the same-origin check (csrf.ts). Two boards on one
 * path, chosen per request: `admin` gets the full board, `read` and `trigger` a read-only one (bull-board's
 * readOnlyMode on each queue adapter hides the actions and refuses them). Writes by a non-admin are refused
 * with 403 before either board sees them, whatever bull-board's own checks cover. The boards (and bull-board's
 * packages) are built on the first request that reaches them: the webhook path never needs them.
 */
export function mountBullBoard(app: Express, deps: Deps, authenticator: Authenticator, throttle: AuthThrottle): void {
  let boards: Promise<BullBoards> | undefined;
  const loadBoards = () =>
    (boards ??= import("./bull-board-boards")
      .then((m) => m.createBullBoards(deps, BULL_BOARD_PATH))
      .catch((err) => {
        boards = undefined; // not cached: the next request tries again
        throw err;
      }));
  const adminWrites = requireScope("admin");
  app.use(
    BULL_BOARD_PATH,
    sameOriginOnly(),
    dashboardAuth(deps.config, authenticator, throttle),
    requireScope("read"),
    (req, res, next) => (SAFE_METHODS.has(req.method) ? next() : adminWrites(req, res, next)),
    async (req, res, next) => {
      const { full, readOnly } = await loadBoards();
      const principal = principalOf(res);
      const board = principal !== undefined && hasScope(principal.scopes, "admin") ? full : readOnly;
      board(req, res, next);
    },
  );
  deps.logger.info("bull board enabled", { path: BULL_BOARD_PATH });
}
