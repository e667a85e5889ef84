import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseConfig } from "@switchyard/core/config";
import { createDb } from "@switchyard/core/db";
import type { Deps } from "@switchyard/core/deps";
import { closeQueues, createQueues } from "@switchyard/core/jobs/queues";
import { createLogger } from "@switchyard/core/logger";
import { createRedis } from "@switchyard/core/redis";
import { createMetrics } from "@switchyard/core/observability/metrics";
import { createRunChangePublisher } from "@switchyard/core/run-events/run-change-publisher";
import { createApp } from "../app";
import { listAppRoutes, routeShape, type AppRoute } from "./list-app-routes";
import { createOpenApiDocument } from "./openapi-document";

const METHODS = ["get", "put", "post", "patch", "delete", "head", "options"] as const;

/** `/api/runs/:runId` → `/api/runs/{runId}`: how the route is written in the document. */
const openApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");

const HOW_TO_DOCUMENT = `Every route of the app must be in the OpenAPI document (GET /api/openapi.json, docs/api.md).
To document a route:
  1. add its operation to the group of its paths in apps/api/src/openapi/paths/*-paths.ts (or to a new
     group file, listed in PATH_GROUPS in apps/api/src/openapi/openapi-document.ts), written as OpenAPI paths
     ("/api/things/{thing_id}"), e.g.
       "/api/things/{thing_id}": { post: { operationId: "createThing", tags: ["Things"], summary: "...",
         requestParams: { path: z.object({ thing_id: z.string() }) },
         requestBody: { required: true, ...json(CreateThingBody) },       // the schema the route parses
         responses: { 201: ok("Created", ThingResponse), ...errors(401, 404, 422) } } }
     A public route adds ...PUBLIC, a dashboard route ...ADMIN; a page or plain-text answer uses
     text("...", "text/html"); a new tag goes into TAGS in openapi-document.ts (helpers: openapi-common.ts).
  2. run \`npm run docs:api\` and commit docs/api.md.`;

describe("the OpenAPI document", () => {
  let deps: Deps;
  let routes: AppRoute[];
  const document = createOpenApiDocument();
  const documented = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    METHODS.filter((m) => (item as Record<string, unknown>)[m] !== undefined).map((m) => ({
      method: m.toUpperCase(),
      path,
    })),
  );

  before(() => {
    // The app is built, never served: no database is queried. Admin credentials mount Bull Board too, so the
    // walk meets every kind of mount the app has.
    const config = parseConfig({ NODE_ENV: "test", LOG_LEVEL: "error", ADMIN_USERNAME: "admin", ADMIN_PASSWORD: "x" });
    const redis = createRedis(config.REDIS_URL, "producer", { lazyConnect: true });
    const queues = createQueues(redis, `syt-routes-${process.pid}`);
    deps = {
      config,
      logger: createLogger("test", config),
      db: createDb(config),
      redis,
      queues,
      metrics: createMetrics(),
      changes: createRunChangePublisher(redis, `syt-routes-${process.pid}`, createLogger("test", config)),
    };
    routes = listAppRoutes(createApp(deps));
  });
  after(async () => {
    await closeQueues(deps.queues);
    deps.redis.disconnect();
    await deps.db.$disconnect();
  });

  it("finds the app's routes", () => {
    // A guard on the walk itself: were Express's internals to change, an empty list would pass the next test.
    assert.ok(routes.length >= 30, `only ${routes.length} routes found`);
    assert.ok(routes.some((r) => r.method === "POST" && r.path === "/api/runs/:runId/cancel"));
    assert.ok(routes.some((r) => r.method === "GET" && r.path === "/api/system/health"));
  });

  it("documents every route of the app", () => {
    const missing = routes.filter(
      (r) =>
        !documented.some(
          (d) => routeShape(d.path) === routeShape(r.path) && (r.method === "ALL" || d.method === r.method),
        ),
    );
    const list = missing.map((r) => `  ${r.method} ${openApiPath(r.path)}   (Express: ${r.path})`).join("\n");
    assert.equal(
      missing.length,
      0,
      `${missing.length} route(s) of the app are not documented:\n${list}\n\n${HOW_TO_DOCUMENT}`,
    );
  });

  it("documents no route the app does not have", () => {
    const stale = documented.filter(
      (d) =>
        !routes.some((r) => routeShape(r.path) === routeShape(d.path) && (r.method === "ALL" || r.method === d.method)),
    );
    const list = stale.map((d) => `  ${d.method} ${d.path}`).join("\n");
    assert.equal(
      stale.length,
      0,
      `${stale.length} documented operation(s) match no route of the app (renamed or removed?):\n${list}\n` +
        "Fix or remove them in apps/api/src/openapi/paths/*-paths.ts, then run `npm run docs:api`.",
    );
  });

  it("gives every operation a unique operationId, a summary, a known tag and responses", () => {
    const tags = new Set((document.tags ?? []).map((t) => t.name));
    const ids = new Set<string>();
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      for (const method of METHODS) {
        const op = (
          item as Record<string, { operationId?: string; summary?: string; tags?: string[]; responses?: object }>
        )[method];
        if (op === undefined) continue;
        const where = `${method.toUpperCase()} ${path}`;
        assert.ok(op.operationId !== undefined && !ids.has(op.operationId), `${where}: operationId missing or taken`);
        ids.add(op.operationId);
        assert.ok(op.summary, `${where}: summary`);
        assert.ok(op.tags?.length === 1 && tags.has(op.tags[0]!), `${where}: one tag listed in TAGS`);
        assert.ok(Object.keys(op.responses ?? {}).length > 0, `${where}: responses`);
      }
    }
  });
});
