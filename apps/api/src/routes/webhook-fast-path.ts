import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseQuery } from "node:querystring";
import express, { type Express, type RequestHandler } from "express";
import { hasNulInQuery } from "../middleware/reject-unstorable-url";
import type { RequestPreamble } from "../middleware/request-preamble";
import type { DeliverWebhook } from "./webhook";

/** The webhook route as Express's router matches it (case-insensitive, an optional trailing slash). */
const DELIVERY_PATH = /^\/api\/workflows\/([^/]+)\/triggers\/webhook\/?$/i;
/** The methods the route answers (Express routes HEAD to the GET handler). */
const DELIVERY_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]);
/** Characters for which parseurl, and so Express's router, parses a URL another way: left to Express. */
const UNUSUAL_URL = /[\t\n\f\r #\u00a0\ufeff]/;

const HANDED_OVER = Symbol("webhook delivery error");
type HandedOver = IncomingMessage & { [HANDED_OVER]?: unknown };
type Handle = (req: IncomingMessage, res: ServerResponse, callback?: (err?: unknown) => void) => void;

/**
 * Serves webhook deliveries before Express sees them: the path is matched and the response written on Node's own
 * request and response, without Express swapping their prototypes (which alone costs about as much CPU as the
 * rest of Node's HTTP handling) or walking its router. The app's preamble (request id, security headers) is the same
 * function Express's first middleware calls (`RequestPreamble`), so the two paths cannot drift; a URL the router would treat
 * specially (a NUL in the query, a param that is not valid percent-encoding, an unusual character) goes to
 * Express, where the same route serves it. A delivery that fails is handed to Express with its error, which its
 * first middleware passes on to the error middleware: errors are logged and rendered as on any route.
 *
 * Call before any other `app.use`; not with tracing on (its middleware must see every request).
 */
export function serveWebhookDeliveriesFirst(app: Express, deliver: DeliverWebhook, preamble: RequestPreamble): void {
  app.use(((req, _res, next) => {
    const handed = req as HandedOver;
    if (!(HANDED_OVER in handed)) return next();
    const err = handed[HANDED_OVER];
    delete handed[HANDED_OVER];
    next(err);
  }) satisfies RequestHandler);

  // Express's own `req.ip` (its "trust proxy" setting over X-Forwarded-For), read without its request prototype.
  const ipGetter = Object.getOwnPropertyDescriptor(express.request, "ip")?.get;
  if (ipGetter === undefined) throw new Error("express.request has no ip getter");
  const clientAddress = (req: IncomingMessage) =>
    ipGetter.call({ app, headers: req.headers, socket: req.socket, connection: req.socket }) as string | undefined;

  const expressHandle = (app as unknown as { handle: Handle }).handle.bind(app);
  const serve = (req: IncomingMessage, res: ServerResponse, callback?: (err?: unknown) => void): void => {
    const url = req.url ?? "";
    const method = req.method ?? "";
    const queryAt = url.indexOf("?");
    const match = DELIVERY_METHODS.has(method) ? DELIVERY_PATH.exec(queryAt < 0 ? url : url.slice(0, queryAt)) : null;
    const ref = match?.[1] === undefined || UNUSUAL_URL.test(url) || hasNulInQuery(url) ? null : decodeParam(match[1]);
    if (ref === null) return expressHandle(req, res, callback);

    const locals = Object.create(null) as Record<string, unknown>;
    (res as ServerResponse & { locals: Record<string, unknown> }).locals = locals;
    locals.requestId = preamble.apply(req, res, queryAt < 0 ? url : url.slice(0, queryAt));
    const query = parseQuery(queryAt < 0 ? "" : url.slice(queryAt + 1));
    deliver(req, res, { ref, query, ip: clientAddress(req) }).catch((err: unknown) => {
      (req as HandedOver)[HANDED_OVER] = err;
      expressHandle(req, res, callback);
    });
  };
  (app as unknown as { handle: Handle }).handle = serve;
}

/** Express's decoding of a path parameter; null where Express would answer 400 (it then does). */
function decodeParam(value: string): string | null {
  if (!value.includes("%")) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}
