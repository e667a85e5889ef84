import { timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";
import type { Config } from "@switchyard/core/config";
import { UnauthorizedError } from "@switchyard/core/errors";

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** Bearer-token auth for every non-public route when AUTH_MODE=required. */
export function requireApiToken(config: Config): RequestHandler {
  return (req, _res, next) => {
    if (config.AUTH_MODE === "disabled") return next();
    const header = req.get("authorization") ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header);
    const token = match?.[1]?.trim();
    if (token !== undefined && config.API_TOKENS.some((t) => safeEqual(t, token))) return next();
    next(new UnauthorizedError(token === undefined ? "Not authenticated" : "Invalid API token", { "WWW-Authenticate": "Bearer" }));
  };
}

/** HTTP Basic auth for the dashboards. */
export function requireAdmin(username: string, password: string): RequestHandler {
  return (req, _res, next) => {
    const header = req.get("authorization") ?? "";
    const match = /^Basic\s+(.+)$/i.exec(header);
    if (match?.[1] !== undefined) {
      const decoded = Buffer.from(match[1], "base64").toString("utf8");
      const sep = decoded.indexOf(":");
      if (sep >= 0 && safeEqual(decoded.slice(0, sep), username) && safeEqual(decoded.slice(sep + 1), password)) {
        return next();
      }
    }
    next(new UnauthorizedError("Invalid admin credentials", { "WWW-Authenticate": 'Basic realm="switchyard", charset="UTF-8"' }));
  };
}
