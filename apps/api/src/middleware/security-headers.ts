import type { RequestHandler } from "express";
import helmet from "helmet";

/**
 * Helmet's defaults everywhere, with a looser Content-Security-Policy under the Bull Board path: its UI is a
 * single-page app bootstrapped by inline scripts and styles, which the default policy blocks.
 */
export function securityHeaders(boardPath: string): RequestHandler {
  const strict = helmet();
  const board = helmet({
    contentSecurityPolicy: {
      directives: {
        "script-src": ["'self'", "'unsafe-inline'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
      },
    },
  });
  return (req, res, next) => {
    const onBoard = req.path === boardPath || req.path.startsWith(`${boardPath}/`);
    (onBoard ? board : strict)(req, res, next);
  };
}
