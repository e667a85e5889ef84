import type { Express } from "express";
import { hasScope } from "@switchyard/core/auth/api-key";
import type { AuthThrottle } from "@switchyard/core/auth/auth-throttle";
import type { Authenticator } from "@switchyard/core/auth/authenticator";
import type { Deps } from "@switchyard/core/deps";
import { errorMessage } from "@switchyard/core/errors";
import type { BullBoards } from "./bull-board-boards";
import { sameOriginOnly } from "../middleware/csrf";
import { dashboardAuth } from "../middleware/dashboard-auth";
import { principalOf, requireScope } from "../middleware/principal";

export const BULL_BOARD_PATH = "/admin/queues";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** How often the boards look for routing queues that workflows name and the boards do not show yet. */
const ROUTING_REFRESH_MS = 10_000;

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
  // The routing queues workflows name (docs/flow-control.md), read at most every ROUTING_REFRESH_MS; a failed read
  // only leaves the boards as they were.
  let refreshedAt = 0;
  const addRoutingQueues = async ({ addQueues }: BullBoards) => {
    if (Date.now() - refreshedAt < ROUTING_REFRESH_MS) return;
    refreshedAt = Date.now();
    try {
      const rows = await deps.db.$queryRawUnsafe<{ queue: string }[]>(
        `SELECT DISTINCT queue FROM workflows WHERE queue <> 'default' ORDER BY queue`,
      );
      addQueues(rows.map((r) => deps.queues.runQueue(r.queue)));
    } catch (err) {
      deps.logger.warn("bull board routing queues not read", { error: errorMessage(err) });
    }
  };
  const adminWrites = requireScope("admin");
  app.use(
    BULL_BOARD_PATH,
    sameOriginOnly(),
    dashboardAuth(deps.config, authenticator, throttle),
    requireScope("read"),
    (req, res, next) => (SAFE_METHODS.has(req.method) ? next() : adminWrites(req, res, next)),
    async (req, res, next) => {
      const boards = await loadBoards();
      await addRoutingQueues(boards);
      const { full, readOnly } = boards;
      const principal = principalOf(res);
      const board = principal !== undefined && hasScope(principal.scopes, "admin") ? full : readOnly;
      board(req, res, next);
    },
  );
  deps.logger.info("bull board enabled", { path: BULL_BOARD_PATH });
}
