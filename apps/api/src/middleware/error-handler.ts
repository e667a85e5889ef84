import type { IncomingMessage } from "node:http";
import type { ErrorRequestHandler } from "express";
import { AppError, ServiceUnavailableError } from "@switchyard/core/errors";
import type { Logger } from "@switchyard/core/logger";
import { isDbStatementTimeout, isDbUnavailable } from "@switchyard/core/db-errors";

/** The one error middleware: every error becomes `{"detail": ...}`. Expected errors log at warn, others at error. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    let appError: AppError | null = null;
    if (err instanceof AppError) appError = err;
    else if (isBodyParserError(err)) appError = fromBodyParser(err);
    else if (isClientError(err)) appError = new AppError(err.status, "bad_request", err.message);
    // Postgres unreachable or too slow to answer: the service, not the request, is at fault (a 503 the client may
    // retry). Expected during an outage, so a warning, not an error per request.
    else if (isDbUnavailable(err) || isDbStatementTimeout(err)) appError = new ServiceUnavailableError(err);

    if (appError === null) {
      logger.error("request failed", {
        requestId: res.locals.requestId as unknown,
        method: req.method,
        path: req.path,
        err,
      });
      if (!res.headersSent) res.status(500).json({ detail: "Internal server error" });
      return;
    }
    const level = appError.status >= 500 && !(appError instanceof ServiceUnavailableError) ? "error" : "warn";
    logger.log(level, "request rejected", {
      requestId: res.locals.requestId as unknown,
      method: req.method,
      path: req.path,
      status: appError.status,
      code: appError.code,
      reason: appError.message,
    });
    if (res.headersSent) return;
    const { status, headers, detail } = appError;
    afterBodyRead(req, () => {
      if (!res.headersSent) res.status(status).set(headers).json({ detail });
    });
  };
}

/** How long an unread request body is drained before the answer goes out regardless. */
const DRAIN_TIMEOUT_MS = 5_000;

/**
 * Calls `send` once the request's body has been read off. A request refused before its body was read (an
 * unsupported charset, an unknown route) would otherwise be answered and closed with data still unread, and
 * the client would see a connection reset instead of the answer.
 */
function afterBodyRead(req: IncomingMessage, send: () => void): void {
  if (req.complete || req.readableEnded || req.destroyed) return send();
  let sent = false;
  const once = () => {
    if (sent) return;
    sent = true;
    clearTimeout(timer);
    send();
  };
  const timer = setTimeout(once, DRAIN_TIMEOUT_MS);
  req.once("end", once).once("error", once).once("close", once);
  req.resume();
}

type BodyParserError = Error & { type: string; status: number; expose?: boolean };

function isBodyParserError(err: unknown): err is BodyParserError {
  return (
    err instanceof Error &&
    typeof (err as { type?: unknown }).type === "string" &&
    typeof (err as { status?: unknown }).status === "number"
  );
}

function fromBodyParser(err: BodyParserError): AppError {
  switch (err.type) {
    case "entity.too.large":
      return new AppError(413, "too_large", "Request body too large");
    case "entity.parse.failed":
      return new AppError(422, "validation", "Request body is not valid JSON", {
        detail: [{ loc: ["body"], msg: "Request body is not valid JSON", type: "json_invalid" }],
      });
    case "entity.too.deep":
      return new AppError(422, "validation", err.message, {
        detail: [{ loc: ["body"], msg: err.message, type: "json_too_deep" }],
      });
    case "encoding.unsupported":
    case "charset.unsupported":
      return new AppError(415, "unsupported_encoding", err.message);
    default:
      return new AppError(err.status >= 400 && err.status < 500 ? err.status : 400, "bad_request", err.message);
  }
}

/**
 * Errors Express and its router raise about the request itself, with a 4xx status of their own: a path
 * parameter that is not valid percent-encoding ("Failed to decode param"), for one.
 */
function isClientError(err: unknown): err is Error & { status: number } {
  const status = (err as { status?: unknown } | null)?.status;
  return err instanceof Error && typeof status === "number" && status >= 400 && status < 500;
}
