import { Router } from "express";
import type { AuthThrottle } from "@switchyard/core/auth/auth-throttle";
import type { Deps } from "@switchyard/core/deps";
import { UnauthorizedError } from "@switchyard/core/errors";
import { isMetricsScrapeAllowed } from "@switchyard/core/observability/metrics-auth";
import { signInAttempt, throttledSignIn } from "../middleware/throttled-sign-in";

/**
 * GET /metrics: this process's Prometheus metrics. Public like the probes unless METRICS_TOKEN is set, then it
 * takes `Authorization: Bearer <METRICS_TOKEN>` (not an API token: a scraper needs no access to the API); a wrong
 * one counts as a failed sign-in (`throttle`).
 */
export function metricsRoutes({ config, metrics }: Deps, throttle: AuthThrottle): Router {
  const router = Router();
  if (!config.METRICS_ENABLED) return router;
  router.get("/metrics", async (req, res) => {
    const header = req.headers.authorization;
    const allowed =
      config.METRICS_TOKEN === undefined ||
      (header !== undefined &&
        (await throttledSignIn(throttle, signInAttempt(req, undefined), async () =>
          isMetricsScrapeAllowed(header, config.METRICS_TOKEN) ? true : null,
        )) === true);
    if (!allowed) {
      throw new UnauthorizedError("Invalid or missing metrics token", { "WWW-Authenticate": "Bearer" });
    }
    const body = await metrics.registry.metrics();
    res.type(metrics.registry.contentType).send(body);
  });
  return router;
}
