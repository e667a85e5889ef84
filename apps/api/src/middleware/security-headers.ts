import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestHandler } from "express";
import helmet from "helmet";

type HeaderList = { set: [name: string, value: string][]; remove: string[] };

/**
 * The headers a helmet middleware sets and removes, read once. Helmet's headers depend only on its options (no
 * directive here is a function of the request), so replaying them costs a few `setHeader` calls per request
 * instead of helmet's chain of a dozen middleware functions.
 */
function recordHeaders(middleware: ReturnType<typeof helmet>): HeaderList {
  const headers: HeaderList = { set: [], remove: [] };
  const res = {
    setHeader: (name: string, value: string) => headers.set.push([name, value]),
    removeHeader: (name: string) => headers.remove.push(name),
  } as unknown as ServerResponse;
  let done = false;
  void middleware({} as IncomingMessage, res, (err?: unknown) => {
    if (err !== undefined) throw err instanceof Error ? err : new Error(String(err));
    done = true;
  });
  if (!done) throw new Error("helmet did not set its headers synchronously");
  return headers;
}

/**
 * Helmet's defaults everywhere, with a looser Content-Security-Policy under the Bull Board path: its UI is a
 * single-page app bootstrapped by inline scripts and styles, which the default policy blocks.
 */
export function securityHeaders(boardPath: string): RequestHandler {
  const strict = recordHeaders(helmet());
  const board = recordHeaders(
    helmet({
      contentSecurityPolicy: {
        directives: {
          "script-src": ["'self'", "'unsafe-inline'"],
          "style-src": ["'self'", "'unsafe-inline'"],
          "img-src": ["'self'", "data:"],
          "font-src": ["'self'", "data:"],
        },
      },
    }),
  );
  return (req, res, next) => {
    const onBoard = req.path === boardPath || req.path.startsWith(`${boardPath}/`);
    const { set, remove } = onBoard ? board : strict;
    for (const [name, value] of set) res.setHeader(name, value);
    for (const name of remove) res.removeHeader(name);
    next();
  };
}
