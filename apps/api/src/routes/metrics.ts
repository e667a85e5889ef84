import { Router } from "express";
import type { Deps } from "@switchyard/core/deps";
import { UnauthorizedError } from "@switchyard/core/errors";
import { isMetricsScrapeAllowed } from "@switchyard/core/observability/metrics-auth";

/**
 * GET /metrics: this process's Prometheus metrics. Public like the probes unless METRICS_TOKEN is set, then it
 * takes `Authorization: Bearer <METRICS_TOKEN>` (not an API token: a scraper needs no access to the API).
 */
export function metricsRoutes({ config, metrics }: Deps): Router {
  const router = Router();
  if (!config.METRICS_ENABLED) return router;
  router.get("/metrics", async (req, res) => {
    if (!isMetricsScrapeAllowed(req.headers.authorization, config.METRICS_TOKEN)) {
      throw new UnauthorizedError("Invalid or missing metrics token", { "WWW-Authenticate": "Bearer" });
    }
    const body = await metrics.registry.metrics();
    res.type(metrics.registry.contentType).send(body);
  });
  return router;
}
