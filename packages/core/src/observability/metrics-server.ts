import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import type { Config } from "../config";
import type { Logger } from "../logger";
import type { Metrics } from "./metrics";
import { isMetricsScrapeAllowed } from "./metrics-auth";

export type MetricsServer = { port: number; close: () => Promise<void> };

/**
 * The worker's and the beat's Prometheus endpoint: GET /metrics on a listener of its own (these processes serve
 * no other HTTP). Resolves once listening; rejects when the port cannot be bound.
 */
export async function startMetricsServer(options: {
  registry: Registry;
  host: string;
  port: number;
  token: string | undefined;
  logger: Logger;
}): Promise<MetricsServer> {
  const { registry, token, logger } = options;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/metrics" || (req.method !== "GET" && req.method !== "HEAD")) {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ detail: "Not Found" }));
      return;
    }
    if (!isMetricsScrapeAllowed(req.headers.authorization, token)) {
      res
        .writeHead(401, { "content-type": "application/json", "www-authenticate": "Bearer" })
        .end(JSON.stringify({ detail: "Invalid or missing metrics token" }));
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { "content-type": registry.contentType }).end(body),
      (err: unknown) => {
        logger.error("metrics scrape failed", { err });
        res
          .writeHead(500, { "content-type": "application/json" })
          .end(JSON.stringify({ detail: "Internal server error" }));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  logger.info("metrics listening", { host: options.host, port });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The worker's or beat's listener as configured: null when METRICS_ENABLED=false. A port that cannot be bound
 * ends the process (like the API's own port): a supervisor then shows the conflict instead of a silent gap.
 */
export async function serveProcessMetrics(
  deps: {
    config: Pick<Config, "METRICS_ENABLED" | "METRICS_HOST" | "METRICS_TOKEN">;
    logger: Logger;
    metrics: Metrics;
  },
  port: number,
): Promise<MetricsServer | null> {
  const { config, logger } = deps;
  if (!config.METRICS_ENABLED) return null;
  try {
    return await startMetricsServer({
      registry: deps.metrics.registry,
      host: config.METRICS_HOST,
      port,
      token: config.METRICS_TOKEN,
      logger,
    });
  } catch (err) {
    logger.error("metrics failed to listen", { host: config.METRICS_HOST, port, err });
    process.exit(1);
  }
}
