import type { Request, RequestHandler } from "express";
import { ForbiddenError } from "@switchyard/core/errors";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * CSRF protection for routes a browser reaches with credentials it sends by itself (Basic auth on the
 * dashboards). A state-changing request must come from the same origin: by Fetch Metadata (`Sec-Fetch-Site`,
 * sent by every current browser), else by `Origin` against the request's own host. A request with neither header
 * is not from a browser page (curl, scripts) and passes, as in Go's http.CrossOriginProtection. No token is
 * needed, so it also covers pages we do not render (Bull Board's UI).
 */
export function sameOriginOnly(): RequestHandler {
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method) || isSameOrigin(req)) return next();
    throw new ForbiddenError("Cross-site request refused: dashboard actions must come from the dashboard's own origin");
  };
}

export function isSameOrigin(req: Request): boolean {
  const site = req.get("sec-fetch-site");
  // "none": typed by the user or from a bookmark, never a page of another site.
  if (site !== undefined) return site === "same-origin" || site === "none";
  const origin = req.get("origin");
  if (origin === undefined) return true;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return false; // "null" (sandboxed frames, some redirects) or garbage
  }
  // Behind a proxy with TRUST_PROXY, req.host is X-Forwarded-Host; otherwise the Host header.
  const host = req.host;
  return host !== undefined && originHost.toLowerCase() === host.toLowerCase();
}
