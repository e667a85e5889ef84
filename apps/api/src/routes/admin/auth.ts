import type { RequestHandler, Response } from "express";
import { actorOf } from "@switchyard/core/auth/api-key";
import { ForbiddenError } from "@switchyard/core/errors";
import { isSameOrigin } from "../../middleware/csrf";
import { principalOf } from "../../middleware/principal";

/**
 * The acting principal of this request (left by `dashboardAuth`), as the actor of audit entries: `api_key:<id>`
 * for a stored key, `admin:<user>` for ADMIN_USERNAME.
 */
export function dashboardActor(res: Response): string {
  const principal = principalOf(res);
  if (principal === undefined) throw new Error("dashboardActor read before dashboardAuth ran");
  return actorOf(principal);
}

/**
 * State-changing dashboard calls must be same-origin (csrf.ts) fetches carrying `X-Requested-With`: a header a
 * cross-site form cannot send, and that a cross-origin script cannot send without a CORS preflight this API never
 * grants. Stricter than Bull Board's guard, since every caller of these routes is our own page.
 */
export const requireSameOriginWrite: RequestHandler = (req, _res, next) => {
  if (req.method === "GET" || req.method === "HEAD") return next();
  if (req.get("x-requested-with") === undefined || !isSameOrigin(req)) {
    throw new ForbiddenError("Dashboard actions must be same-origin requests with X-Requested-With");
  }
  next();
};
