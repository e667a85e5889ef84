import type { RequestHandler, Response } from "express";
import type { Config } from "@switchyard/core/config";
import { BadRequestError } from "@switchyard/core/errors";
import { requireAdmin } from "../../middleware/auth";

const ACTOR_KEY = "dashboardActor";

/**
 * The dashboard's one authentication point: the same HTTP Basic credentials as Bull Board. On success the acting
 * principal's name is left on `res.locals`, where `dashboardActor` reads it for the audit entries of the actions.
 * null when no admin credentials are configured (the dashboard is then not mounted).
 */
export function dashboardAuth(config: Pick<Config, "ADMIN_USERNAME" | "ADMIN_PASSWORD">): RequestHandler | null {
  const { ADMIN_USERNAME: username, ADMIN_PASSWORD: password } = config;
  if (username === undefined || password === undefined) return null;
  const check = requireAdmin(username, password);
  return (req, res, next) =>
    check(req, res, (err?: unknown) => {
      if (err !== undefined) return next(err);
      res.locals[ACTOR_KEY] = username;
      next();
    });
}

/** The authenticated principal of this request, as the actor of audit entries. */
export function dashboardActor(res: Response): string {
  const actor: unknown = res.locals[ACTOR_KEY];
  if (typeof actor !== "string") throw new Error("dashboardActor read before dashboardAuth ran");
  return actor;
}

/**
 * State-changing dashboard calls must be same-origin fetches carrying `X-Requested-With` (a header a cross-site
 * form cannot send, and that a cross-origin script cannot send without a CORS preflight this API never grants).
 */
export const requireSameOriginWrite: RequestHandler = (req, _res, next) => {
  if (req.method === "GET" || req.method === "HEAD") return next();
  // Browsers send Sec-Fetch-Site; Origin is the fallback. Only hosts are compared: behind a TLS-terminating proxy
  // the scheme this process sees differs from the page's.
  const site = req.get("sec-fetch-site");
  const origin = req.get("origin");
  const sameSite =
    site !== undefined ? site === "same-origin" : origin === undefined || hostOf(origin) === req.get("host");
  if (req.get("x-requested-with") === undefined || !sameSite) {
    return next(
      new BadRequestError("Dashboard actions must be same-origin requests with X-Requested-With", 403, "forbidden"),
    );
  }
  next();
};

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}
