import type { AddressInfo } from "node:net";
import { onShutdown } from "@switchyard/core/process/lifecycle";
import { createProcessDeps } from "@switchyard/core/process/process-deps";
import { settlesWithin } from "@switchyard/core/process/settles-within";
import { createApp } from "./app";

const deps = createProcessDeps("api", { checkEviction: true });
const { config, logger } = deps;

const app = createApp(deps);
const server = app.listen(config.PORT, config.HOST, () => {
  const { port } = server.address() as AddressInfo;
  logger.info("api listening", { host: config.HOST, port, authMode: config.AUTH_MODE });
});
server.on("error", (err) => {
  logger.error("api failed to listen", { err });
  process.exit(1);
});

// Stops accepting connections, lets in-flight requests finish for up to API_SHUTDOWN_TIMEOUT (at most 25 s), then
// drops what is left; the forced exit below is the backstop.
onShutdown(logger, 30_000, async () => {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  if (!(await settlesWithin(closed, config.API_SHUTDOWN_TIMEOUT * 1_000))) {
    logger.warn("shutdown deadline passed, closing open connections", { deadlineSeconds: config.API_SHUTDOWN_TIMEOUT });
    server.closeAllConnections();
    await closed;
  }
  await deps.close();
});
