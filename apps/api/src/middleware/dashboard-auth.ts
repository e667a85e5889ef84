import type { RequestHandler } from "express";
import { safeEqual, type Principal } from "@switchyard/core/auth/api-key";
import type { AuthThrottle } from "@switchyard/core/auth/auth-throttle";
import type { Authenticator } from "@switchyard/core/auth/authenticator";
import type { Config } from "@switchyard/core/config";
import { UnauthorizedError } from "@switchyard/core/errors";
import { bearerToken, parseBasicAuth, type BasicCredentials } from "./credentials";
import { setPrincipal } from "./principal";
import { signInAttempt, throttledSignIn, tokenName } from "./throttled-sign-in";

const CHALLENGE = { "WWW-Authenticate": 'Basic realm="switchyard", charset="UTF-8"' };

/**
 * Auth for the browser dashboards (Bull Board, /admin), whatever AUTH_MODE says: HTTP Basic whose password is an
 * API key or an `API_TOKENS` entry (any username), or ADMIN_USERNAME / ADMIN_PASSWORD (admin); a Bearer header
 * is accepted too, for scripts. Leaves the principal (key id, name, scopes) on `res.locals.principal`, for scope
 * checks (`requireScope`) and audit entries (`actorOf`). Pair it with `sameOriginOnly` (csrf.ts): browsers send
 * Basic credentials by themselves. Failed sign-ins are throttled per address and per user name (`throttle`).
 */
export function dashboardAuth(
  config: Pick<Config, "ADMIN_USERNAME" | "ADMIN_PASSWORD">,
  authenticator: Authenticator,
  throttle: AuthThrottle,
): RequestHandler {
  const { ADMIN_USERNAME: adminUser, ADMIN_PASSWORD: adminPassword } = config;
  const verify = async (basic: BasicCredentials | null, token: string | undefined): Promise<Principal | null> => {
    if (basic !== null && adminUser !== undefined && adminPassword !== undefined) {
      // Both compared whatever the first says, so the time taken does not tell a right username.
      const userOk = safeEqual(basic.username, adminUser);
      const passwordOk = safeEqual(basic.password, adminPassword);
      if (userOk && passwordOk)
        return { id: `admin:${adminUser}`, name: adminUser, scopes: ["admin"], source: "admin_password" };
    }
    return token !== undefined && token.length > 0 ? authenticator.authenticate(token) : null;
  };
  return async (req, res, next) => {
    const header = req.get("authorization");
    const basic = parseBasicAuth(header);
    const token = basic?.password ?? bearerToken(header);
    const name = basic !== null ? `user:${basic.username}` : token === undefined ? undefined : tokenName(token);
    const principal =
      header === undefined
        ? null
        : await throttledSignIn(throttle, signInAttempt(req, name), () => verify(basic, token));
    if (principal === null) {
      throw new UnauthorizedError(header === undefined ? "Not authenticated" : "Invalid admin credentials", CHALLENGE);
    }
    setPrincipal(res, principal);
    next();
  };
}
