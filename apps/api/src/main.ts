import type { AddressInfo } from "node:net";
import { onShutdown } from "@switchyard/core/process/lifecycle";
import { createProcessDeps } from "@switchyard/core/process/process-deps";
import { settlesWithin } from "@switchyard/core/process/settles-within";
import { hasActiveApiKey } from "@switchyard/core/auth/api-key-store";
import { createApp } from "./app";
import { createApiServer } from "./create-api-server";
import { createLiveRuns } from "@switchyard/core/run-events/live-runs";

// The same NODE_PLUGINS as the workers: versions are validated against every type a worker can run.
const deps = await createProcessDeps("api", { checkEviction: true, plugins: true, tracing: true, queueMetrics: true });
const { config, logger } = deps;

const live = createLiveRuns(deps);
const app = createApp({ ...deps, live });
const server = createApiServer(app, config, logger).listen(config.PORT, config.HOST, () => {
  const { port } = server.address() as AddressInfo;
  logger.info("api listening", { host: config.HOST, port, authMode: config.AUTH_MODE });
});
// Credentials may live in Postgres only, so a missing one is a warning, not a refusal to start.
if (config.AUTH_MODE === "required" && config.API_TOKENS.length === 0) {
  hasActiveApiKey(deps.db).then(
    (any) => {
      if (!any)
        logger.warn("no API credentials: create a key with `npx switchyard keys create --name ops --scopes admin`");
    },
    () => undefined,
  );
}
if (config.SECRET_KEY === undefined && config.NODE_ENV === "production") {
  logger.warn("SECRET_KEY is not set: webhook secrets cannot be saved (docs/security.md)");
}
server.on("error", (err) => {
  logger.error("api failed to listen", { err });
  process.exit(1);
});

// Stops accepting connections, lets in-flight requests finish for up to API_SHUTDOWN_TIMEOUT (at most 25 s), then
// drops what is left; the forced exit below is the backstop.
onShutdown(logger, 30_000, async () => {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Event streams end (their clients reconnect elsewhere with Last-Event-ID) and waiting deliveries are answered
  // 202 with their run's Location: neither holds the shutdown up.
  await live.close();
  server.closeIdleConnections();
  if (!(await settlesWithin(closed, config.API_SHUTDOWN_TIMEOUT * 1_000))) {
    logger.warn("shutdown deadline passed, closing open connections", { deadlineSeconds: config.API_SHUTDOWN_TIMEOUT });
    server.closeAllConnections();
    await closed;
  }
  await deps.close();
});
