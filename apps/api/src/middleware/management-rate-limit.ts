import type { RequestHandler } from "express";
import type { RedisConnection } from "@switchyard/core/redis";
import { createRateLimiter } from "@switchyard/core/auth/rate-limiter";
import type { Config } from "@switchyard/core/config";
import { TooManyRequestsError } from "@switchyard/core/errors";
import type { Logger } from "@switchyard/core/logger";
import { principalOf } from "./principal";

const WINDOW_MS = 60_000;
// Paths are relative to /api, matched as Express routes them (case-insensitive, an optional trailing slash).
const CRON_DISPATCH = /^\/triggers\/cron\/dispatch\/?$/i;

/**
 * MANAGEMENT_RATE_LIMIT_PER_MINUTE requests per principal (API key or token) per minute, counted in Redis so every
 * API process shares the budget; 429 with Retry-After past it. Fails open while Redis is down (a warning when
 * that starts, an info line when it ends): triggers and run operations must keep working without Redis. Without
 * a principal of its own (AUTH_MODE=disabled) nothing is counted.
 *
 * `POST /api/triggers/cron/dispatch`, what the beat calls, counts in a budget of its own per principal (the same
 * number): a client at its limit on the key the beat sends cannot hold back the schedule. Nothing is exempt: a
 * client calling the dispatch draws on that budget, and gains no requests for any other route.
 */
export function managementRateLimit(deps: {
  config: Pick<Config, "MANAGEMENT_RATE_LIMIT_PER_MINUTE" | "QUEUE_PREFIX">;
  redis: RedisConnection;
  logger: Logger;
}): RequestHandler {
  const limit = deps.config.MANAGEMENT_RATE_LIMIT_PER_MINUTE;
  const limiter = createRateLimiter(deps.redis, deps.config.QUEUE_PREFIX, "management");
  const dispatchLimiter = createRateLimiter(deps.redis, deps.config.QUEUE_PREFIX, "cron-dispatch");
  let failingOpen = false;
  return async (req, res, next) => {
    const principal = principalOf(res);
    if (limit === 0 || principal === undefined || principal.source === "anonymous") return next();
    const dispatch = req.method === "POST" && CRON_DISPATCH.test(req.path);
    const decision = await (dispatch ? dispatchLimiter : limiter).consume(principal.id, limit, WINDOW_MS);
    if (decision === null) {
      if (!failingOpen) deps.logger.warn("management rate limit unavailable, failing open", { keyId: principal.id });
      failingOpen = true;
      return next();
    }
    if (failingOpen) deps.logger.info("management rate limit available again");
    failingOpen = false;
    if (!decision.allowed) {
      throw new TooManyRequestsError(
        `Rate limit exceeded: ${limit} ${dispatch ? "cron dispatches" : "requests"} per minute per API key`,
        decision.retryAfterSeconds,
      );
    }
    next();
  };
}
