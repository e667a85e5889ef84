import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import type { TestApi } from "../../../../apps/api/src/testing/start-api";
import { createApp } from "../../../../apps/api/src/app";
import { createApiServer } from "../../../../apps/api/src/create-api-server";
import { serveRunEvents } from "./run-events-proxy";

export type ApiWithRunEvents = { url: string; close: () => Promise<void> };

/**
 * A second server over a test API's deps whose `GET /api/runs/{id}/events` is the stand-in of run-events-proxy.ts
 * and every other route the app itself, on one socket: what the API's own /mcp calls (its own address) has the
 * events route too. Until the API serves the route; `configOverrides` change the app's config (MCP_ENABLED).
 */
export async function startApiWithRunEvents(
  api: TestApi,
  configOverrides: Partial<TestApi["deps"]["config"]> = {},
): Promise<ApiWithRunEvents> {
  const { deps } = api;
  const app = createApp({ ...deps, config: { ...deps.config, ...configOverrides } });
  let url = "";
  const server: Server = await new Promise((resolve) => {
    const s = createApiServer(
      (req, res) => {
        if (!serveRunEvents(deps.db, url, req, res)) app(req, res);
      },
      deps.config,
      deps.logger,
    ).listen(0, "127.0.0.1", () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
