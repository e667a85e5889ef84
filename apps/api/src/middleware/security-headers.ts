import type { IncomingMessage, ServerResponse } from "node:http";
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

/** Sets the security headers of a response by its path: helmet's defaults, or the Bull Board's looser policy. */
export type SecurityHeaders = (res: ServerResponse, path: string) => void;

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
  return (res, path) => setHeaders(res, path === boardPath || path.startsWith(`${boardPath}/`) ? board : strict);
}
