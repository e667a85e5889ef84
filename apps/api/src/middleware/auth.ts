import type { RequestHandler } from "express";
import type { Principal } from "@switchyard/core/auth/api-key";
import type { Authenticator } from "@switchyard/core/auth/authenticator";
import type { Config } from "@switchyard/core/config";
import { UnauthorizedError } from "@switchyard/core/errors";
import { assertScope, setPrincipal } from "./principal";
import { requiredScope } from "./scope-policy";

/** With AUTH_MODE=disabled every caller acts as this admin. */
export const ANONYMOUS: Principal = { id: "anonymous", name: "anonymous", scopes: ["admin"], source: "anonymous" };

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? "");
  return match?.[1]?.trim();
}

/**
 * Bearer auth for the management routes when AUTH_MODE=required: an `API_TOKENS` entry (admin) or a stored
 * API key. Leaves the principal on `res.locals.principal`; 401 when the token is missing or not valid.
 */
export function authenticateApi(config: Pick<Config, "AUTH_MODE">, authenticator: Authenticator): RequestHandler {
  return async (req, res, next) => {
    if (config.AUTH_MODE === "disabled") {
      setPrincipal(res, ANONYMOUS);
      return next();
    }
    const token = bearerToken(req.get("authorization"));
    const principal = token === undefined ? null : await authenticator.authenticate(token);
    if (principal === null) {
      throw new UnauthorizedError(token === undefined ? "Not authenticated" : "Invalid API token", { "WWW-Authenticate": "Bearer" });
    }
    setPrincipal(res, principal);
    next();
  };
}

/** 403 when the principal's scopes do not cover the route (scope-policy.ts). */
export function authorizeApi(): RequestHandler {
  return (req, res, next) => {
    assertScope(res, requiredScope(req.method, req.path));
    next();
  };
}
