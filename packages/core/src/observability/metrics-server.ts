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
 * The worker's or beat's listener as configured: null when METRICS_ENABLED=false. A port another process holds (a
 * second worker or beat on the same host with the same settings) falls back to a free port, logged, so that the
 * process never stops for its metrics listener; the worker shows the port it got in the workers registry.
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
  const listen = (on: number) =>
    startMetricsServer({
      registry: deps.metrics.registry,
      host: config.METRICS_HOST,
      port: on,
      token: config.METRICS_TOKEN,
      logger,
    });
  try {
    return await listen(port);
  } catch (err) {
    if (port !== 0 && (err as NodeJS.ErrnoException).code === "EADDRINUSE") {
      logger.warn("metrics port taken, listening on a free port instead", { host: config.METRICS_HOST, port });
      return listen(0).catch((again: unknown) => fail(logger, config.METRICS_HOST, 0, again));
    }
    return fail(logger, config.METRICS_HOST, port, err);
  }
}

/** A listener that cannot start at all (a bad METRICS_HOST): the process stops, as for the API's own address. */
function fail(logger: Logger, host: string, port: number, err: unknown): never {
  logger.error("metrics failed to listen", { host, port, err });
  process.exit(1);
}
