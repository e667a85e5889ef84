import type { RequestHandler } from "express";
import { AppError } from "@switchyard/core/errors";

/**
 * Reads off and discards a request body no parser took (a content type other than JSON), up to `limit` bytes,
 * before the route runs. Answered with its body unread, the connection would be closed with data pending and the
 * client would see a reset instead of the answer.
 */
export function discardUnreadBody(limit: number): RequestHandler {
  return (req, _res, next) => {
    if (req.complete || req.readableEnded || req.destroyed) return next();
    let size = 0;
    let done = false;
    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      req.off("data", onData);
      next(err);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit: answered now (413); the error middleware drains the rest before the answer goes out.
      if (size > limit) finish(new AppError(413, "too_large", "Request body too large"));
    };
    req.on("data", onData);
    req.once("end", () => finish());
    req.once("error", (err) => finish(new AppError(400, "bad_request", err.message)));
  };
}
