/**
 * An API process as apps/api/src/main.ts runs it, whose `GET /api/runs/{id}/events` is the stand-in of
 * run-events-proxy.ts (every other route is the app's own): what run-events-api-restart.test.ts stops and starts
 * again until the API serves that route itself. Killed by the test, so it needs no shutdown of its own.
 */
import type { AddressInfo } from "node:net";
import { createProcessDeps } from "@switchyard/core/process/process-deps";
import { createApp } from "../../../../apps/api/src/app";
import { createApiServer } from "../../../../apps/api/src/create-api-server";
import { serveRunEvents } from "./run-events-proxy";

const deps = await createProcessDeps("api");
const app = createApp(deps);
const url = `http://127.0.0.1:${deps.config.PORT}`;
const server = createApiServer(
  (req, res) => {
    if (!serveRunEvents(deps.db, url, req, res)) app(req, res);
  },
  deps.config,
  deps.logger,
).listen(deps.config.PORT, "127.0.0.1", () => {
  deps.logger.info("api listening", { port: (server.address() as AddressInfo).port });
});
