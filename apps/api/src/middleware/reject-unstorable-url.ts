import type { RequestHandler } from "express";
import { BadRequestError } from "@switchyard/core/errors";

/**
 * A NUL character (`%00`) in the query string would reach Postgres as text, which cannot hold it, and fail there
 * as a 500: refused up front with a 400. (Path parameters are checked where they are looked up: a ref with a NUL
 * names no workflow, a 404.)
 */
export function rejectUnstorableUrl(): RequestHandler {
  return (req, _res, next) => {
    const query = req.url.indexOf("?");
    // eslint-disable-next-line no-control-regex -- matching NUL is the point
    const hasNul = query >= 0 && /%00|\u0000/i.test(req.url.slice(query));
    next(hasNul ? new BadRequestError("NUL characters are not allowed in the query string") : undefined);
  };
}
