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

function setHeaders(res: ServerResponse, { set, remove }: HeaderList): void {
  for (const [name, value] of set) res.setHeader(name, value);
  for (const name of remove) res.removeHeader(name);
}

export type SecurityHeaders = {
  middleware: RequestHandler;
  /** Sets the headers of any path outside the Bull Board (helmet's defaults). */
  setDefault: (res: ServerResponse) => void;
};

/**
 * Helmet's defaults everywhere, with a looser Content-Security-Policy under the Bull Board path: its UI is a
 * single-page app bootstrapped by inline scripts and styles, which the default policy blocks.
 */
export function createSecurityHeaders(boardPath: string): SecurityHeaders {
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
  return {
    middleware: (req, res, next) => {
      const onBoard = req.path === boardPath || req.path.startsWith(`${boardPath}/`);
      setHeaders(res, onBoard ? board : strict);
      next();
    },
    setDefault: (res) => setHeaders(res, strict),
  };
}
