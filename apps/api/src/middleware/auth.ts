import type { RequestHandler } from "express";
import type { Principal } from "@switchyard/core/auth/api-key";
import type { AuthThrottle } from "@switchyard/core/auth/auth-throttle";
import type { Authenticator } from "@switchyard/core/auth/authenticator";
import type { Config } from "@switchyard/core/config";
import { UnauthorizedError } from "@switchyard/core/errors";
import { bearerToken } from "./credentials";
import { assertScope, setPrincipal } from "./principal";
import { requiredScope } from "./scope-policy";
import { signInAttempt, throttledSignIn, tokenName } from "./throttled-sign-in";

/** With AUTH_MODE=disabled every caller acts as this admin. */
export const ANONYMOUS: Principal = { id: "anonymous", name: "anonymous", scopes: ["admin"], source: "anonymous" };

/**
 * Bearer auth for the management routes when AUTH_MODE=required: an `API_TOKENS` entry (admin) or a stored
 * API key. Leaves the principal on `res.locals.principal`; 401 when the token is missing or not valid, 429 while
 * the client is locked out after failed sign-ins (`throttle`).
 */
export function authenticateApi(
  config: Pick<Config, "AUTH_MODE">,
  authenticator: Authenticator,
  throttle: AuthThrottle,
): RequestHandler {
  return async (req, res, next) => {
    if (config.AUTH_MODE === "disabled") {
      setPrincipal(res, ANONYMOUS);
      return next();
    }
    const token = bearerToken(req.get("authorization"));
    const principal =
      token === undefined
        ? null
        : await throttledSignIn(throttle, signInAttempt(req, tokenName(token)), () =>
            authenticator.authenticate(token),
          );
    if (principal === null) {
      throw new UnauthorizedError(token === undefined ? "Not authenticated" : "Invalid API token", {
        "WWW-Authenticate": "Bearer",
      });
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
