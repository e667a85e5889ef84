import { createServer, type RequestListener, type Server } from "node:http";
import type { Config } from "@switchyard/core/config";
import type { Logger } from "@switchyard/core/logger";

type ServerConfig = Pick<
  Config,
  "API_HEADERS_TIMEOUT_MS" | "API_REQUEST_TIMEOUT_MS" | "API_KEEP_ALIVE_TIMEOUT_MS" | "API_MAX_CONNECTIONS"
>;

/** How often Node looks for requests past their timeouts: often enough that a timeout is kept within a quarter. */
export function connectionsCheckingIntervalMs(config: ServerConfig): number {
  return Math.min(1_000, Math.max(25, Math.floor(config.API_HEADERS_TIMEOUT_MS / 4)));
}

const DROP_WARNING_INTERVAL_MS = 60_000;

/**
 * The API's HTTP server, for every route (webhook deliveries too: they are served on this server before Express).
 * A client that sends its headers or its body slowly is answered 408 and closed once API_HEADERS_TIMEOUT_MS or
 * API_REQUEST_TIMEOUT_MS has passed since its request began (Node checks every `connectionsCheckingIntervalMs`);
 * a request whose body has arrived is never cut, however long its handler takes. Past API_MAX_CONNECTIONS open
 * connections, new ones are closed at once (a warning at most once a minute). Does not listen.
 */
export function createApiServer(app: RequestListener, config: ServerConfig, logger: Logger): Server {
  const server = createServer(
    {
      headersTimeout: config.API_HEADERS_TIMEOUT_MS,
      requestTimeout: config.API_REQUEST_TIMEOUT_MS,
      // Node closes an idle keep-alive connection after 5 s by default: a client or proxy that reuses it at that
      // moment gets a reset (its request is lost). The default outlasts the usual proxy idle timeout (60 s), so the
      // client side closes first. Idle connections are not subject to the headers timeout (it starts with a request).
      keepAliveTimeout: config.API_KEEP_ALIVE_TIMEOUT_MS,
      connectionsCheckingInterval: connectionsCheckingIntervalMs(config),
    },
    app,
  );
  if (config.API_MAX_CONNECTIONS > 0) {
    server.maxConnections = config.API_MAX_CONNECTIONS;
    let warnedAt = 0;
    server.on("drop", () => {
      if (Date.now() - warnedAt < DROP_WARNING_INTERVAL_MS) return;
      warnedAt = Date.now();
      logger.warn("api connection cap reached, closing new connections", {
        maxConnections: config.API_MAX_CONNECTIONS,
      });
    });
  }
  return server;
}
