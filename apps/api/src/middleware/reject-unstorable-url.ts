import type { RequestHandler } from "express";
import { BadRequestError } from "@switchyard/core/errors";

/**
 * A NUL character (`%00`) in the path or query would reach Postgres as text, which cannot hold it, and fail there
 * as a 500: refused up front with a 400.
 */
export function rejectUnstorableUrl(): RequestHandler {
  return (req, _res, next) => {
    // eslint-disable-next-line no-control-regex -- matching NUL is the point
    if (/%00|\u0000/i.test(req.url)) next(new BadRequestError("NUL characters are not allowed in the URL"));
    else next();
  };
}
