import type { RequestHandler } from "express";
import { safeEqual, type Principal } from "@switchyard/core/auth/api-key";
import type { Authenticator } from "@switchyard/core/auth/authenticator";
import type { Config } from "@switchyard/core/config";
import { UnauthorizedError } from "@switchyard/core/errors";
import { bearerToken, parseBasicAuth } from "./credentials";
import { setPrincipal } from "./principal";

const CHALLENGE = { "WWW-Authenticate": 'Basic realm="switchyard", charset="UTF-8"' };

/**
 * Auth for the browser dashboards (Bull Board, /admin), whatever AUTH_MODE says: HTTP Basic whose password is an
 * API key or an `API_TOKENS` entry (any username), or ADMIN_USERNAME / ADMIN_PASSWORD (admin); a Bearer header
 * is accepted too, for scripts. Leaves the principal (key id, name, scopes) on `res.locals.principal`, for scope
 * checks (`requireScope`) and audit entries (`actorOf`). Pair it with `sameOriginOnly` (csrf.ts): browsers send
 * Basic credentials by themselves.
 */
export function dashboardAuth(
  config: Pick<Config, "ADMIN_USERNAME" | "ADMIN_PASSWORD">,
  authenticator: Authenticator,
): RequestHandler {
  const { ADMIN_USERNAME: adminUser, ADMIN_PASSWORD: adminPassword } = config;
  return async (req, res, next) => {
    const header = req.get("authorization");
    const basic = parseBasicAuth(header);
    const token = basic?.password ?? bearerToken(header);
    let principal: Principal | null = null;
    if (basic !== null && adminUser !== undefined && adminPassword !== undefined) {
      // Both compared whatever the first says, so the time taken does not tell a right username.
      const userOk = safeEqual(basic.username, adminUser);
      const passwordOk = safeEqual(basic.password, adminPassword);
      if (userOk && passwordOk)
        principal = { id: `admin:${adminUser}`, name: adminUser, scopes: ["admin"], source: "admin_password" };
    }
    if (principal === null && token !== undefined && token.length > 0)
      principal = await authenticator.authenticate(token);
    if (principal === null) {
      throw new UnauthorizedError(header === undefined ? "Not authenticated" : "Invalid admin credentials", CHALLENGE);
    }
    setPrincipal(res, principal);
    next();
  };
}
