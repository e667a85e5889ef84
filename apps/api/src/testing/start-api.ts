import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { httpRequestOptionsOf } from "@switchyard/core/engine/http/http-request-options";
import { loadNodeRegistry } from "@switchyard/core/engine/plugins/load-node-plugins";
import { REPO_ROOT } from "@switchyard/core/testing/test-database";
import { createTestDeps, type TestDeps } from "@switchyard/core/testing/test-deps";
import { createApp } from "../app";
import { createApiServer } from "../create-api-server";
import { createLiveRuns, type LiveRuns } from "@switchyard/core/run-events/live-runs";

export type TestApi = {
  deps: TestDeps;
  /** The app's run event streams and waiting deliveries. */
  live: LiveRuns;
  url: string;
  /** fetch against the API with JSON helpers; `token` adds a Bearer header. */
  request: (
    method: string,
    path: string,
    opts?: { body?: unknown; headers?: Record<string, string>; raw?: string | Buffer },
  ) => Promise<{ status: number; body: any; headers: Headers; text: string }>;
  close: () => Promise<void>;
};

/**
 * The API in-process on port 0, over a database and Redis prefix of its own. `NODE_PLUGINS` in `env` loads
 * plugins as main.ts does, relative to the repository root like a process from `spawnService` (which gets them
 * through `deps.env`).
 */
export async function startTestApi(env: Record<string, string> = {}): Promise<TestApi> {
  const deps = await createTestDeps(env);
  const registry = await loadNodeRegistry(deps.config.NODE_PLUGINS, REPO_ROOT, {
    http: httpRequestOptionsOf(deps.config),
  });
  const live = createLiveRuns(deps);
  const app = createApp({ ...deps, registry, live });
  // The server main.ts runs (its timeouts and connection cap), on a free port.
  const server: Server = await new Promise((resolve) => {
    const s = createApiServer(app, deps.config, deps.logger).listen(0, "127.0.0.1", () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const request: TestApi["request"] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    let body: string | Buffer | undefined;
    if (opts.raw !== undefined) body = opts.raw;
    else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers["content-type"] ??= "application/json";
    }
    const res = await fetch(url + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, headers: res.headers, text };
  };
  return {
    deps,
    live,
    url,
    request,
    close: async () => {
      await live.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await deps.close();
    },
  };
}
