import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestHandler } from "express";
import { assignRequestId } from "./request-id";
import type { SecurityHeaders } from "./security-headers";

/**
 * What every response gets before any route runs: its request id and its security headers. Requests reach it on two
 * paths: Express's middleware, and the webhook fast path, which serves deliveries on Node's own request and
 * response (webhook-fast-path.ts). Both call this one function, so a header or a check added here holds on both.
 */
export type RequestPreamble = {
  /** Applies the preamble to a request whose path is `path`; returns its request id. */
  apply: (req: IncomingMessage, res: ServerResponse, path: string) => string;
  /** The same as Express middleware; the id goes in `res.locals.requestId`. */
  middleware: RequestHandler;
};

export function createRequestPreamble(securityHeaders: SecurityHeaders): RequestPreamble {
  const apply = (req: IncomingMessage, res: ServerResponse, path: string): string => {
    const id = assignRequestId(req, res);
    securityHeaders(res, path);
    return id;
  };
  return {
    apply,
    middleware: (req, res, next) => {
      res.locals.requestId = apply(req, res, req.path);
      next();
    },
  };
}
