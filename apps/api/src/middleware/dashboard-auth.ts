import type { RequestHandler } from "express";
import { safeEqual, type Principal } from "@switchyard/core/auth/api-key";
import type { Authenticator } from "@switchyard/core/auth/authenticator";
import type { Config } from "@switchyard/core/config";
import { UnauthorizedError } from "@switchyard/core/errors";
import { bearerToken } from "./auth";
import { setPrincipal } from "./principal";

const CHALLENGE = { "WWW-Authenticate": 'Basic realm="switchyard", charset="UTF-8"' };

export type BasicCredentials = { username: string; password: string };

export function parseBasicAuth(header: string | undefined): BasicCredentials | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
  if (match?.[1] === undefined) return null;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const sep = decoded.indexOf(":");
  return sep < 0 ? null : { username: decoded.slice(0, sep), password: decoded.slice(sep + 1) };
}

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
      if (userOk && passwordOk) principal = { id: `admin:${adminUser}`, name: adminUser, scopes: ["admin"], source: "admin_password" };
    }
    if (principal === null && token !== undefined && token.length > 0) principal = await authenticator.authenticate(token);
    if (principal === null) {
      throw new UnauthorizedError(header === undefined ? "Not authenticated" : "Invalid admin credentials", CHALLENGE);
    }
    setPrincipal(res, principal);
    next();
  };
}
