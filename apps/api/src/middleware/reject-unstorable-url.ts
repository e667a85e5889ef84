import type { RequestHandler } from "express";
import { BadRequestError } from "@switchyard/core/errors";

/** True when the query string of a request URL holds a NUL character, raw or percent-encoded. */
export function hasNulInQuery(url: string): boolean {
  const query = url.indexOf("?");
  // eslint-disable-next-line no-control-regex -- matching NUL is the point
  return query >= 0 && /%00|\u0000/i.test(url.slice(query));
}

/**
 * A NUL character (`%00`) in the query string would reach Postgres as text, which cannot hold it, and fail there
 * as a 500: refused up front with a 400. (Path parameters are checked where they are looked up: a ref with a NUL
 * names no workflow, a 404.)
 */
export function rejectUnstorableUrl(): RequestHandler {
  return (req, _res, next) => {
    next(
      hasNulInQuery(req.url) ? new BadRequestError("NUL characters are not allowed in the query string") : undefined,
    );
  };
}
