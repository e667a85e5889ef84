import type { Deps } from "@switchyard/core/deps";
import { createApp } from "../../../../apps/api/src/app";
import { listAppRoutes } from "../../../../apps/api/src/openapi/list-app-routes";

/**
 * Whether the API serves `GET /api/runs/{id}/events` itself. Until it does, tests reach that route through
 * `startRunEventsProxy`; the tests that need the API's own stream (an API process restarted mid-stream) are
 * skipped, and run as soon as the route exists.
 */
export function hasRunEventsRoute(deps: Deps): boolean {
  return listAppRoutes(createApp(deps)).some((r) => r.method === "GET" && /^\/api\/runs\/:[^/]+\/events$/.test(r.path));
}
