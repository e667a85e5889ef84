import { ConfigError, parseConfig, type Config } from "../config";
import { createLogger, type Logger } from "../logger";

/** Parses config (exiting with the list of bad variables) and builds the process logger. */
export function bootProcess(service: string): { config: Config; logger: Logger } {
  let config: Config;
  try {
    config = parseConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${service}: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(service, config);
  // Crash on the unknown: log and exit non-zero; the supervisor restarts the process.
  process.on("unhandledRejection", (reason) => {
    logger.error("unhandled rejection", { err: reason });
    process.exit(1);
  });
  process.on("uncaughtException", (err) => {
    logger.error("uncaught exception", { err });
    process.exit(1);
  });
  return { config, logger };
}

/**
 * Runs `stop` on SIGTERM/SIGINT, then exits 0. A second signal, or the deadline passing, forces exit 1.
 */
export function onShutdown(logger: Logger, deadlineMs: number, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn("second signal, forcing exit", { signal });
      process.exit(1);
    }
    stopping = true;
    logger.info("shutting down", { signal });
    const timer = setTimeout(() => {
      logger.error("shutdown deadline passed, forcing exit", { deadlineMs });
      process.exit(1);
    }, deadlineMs);
    timer.unref();
    stop().then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (err: unknown) => {
        logger.error("shutdown failed", { err });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", handler);
  process.on("SIGINT", handler);
}
