import type { Express } from "express";

export type AppRoute = { method: string; path: string };

type Layer = {
  route?: { path: unknown; methods: Record<string, boolean | undefined> };
  handle?: { stack?: Layer[] };
  rawPath?: unknown;
};

/**
 * Every route registered on the app, walking routers mounted with `use` (router 2's layers keep their mount path
 * in `rawPath`). Sub-applications mounted whole (Bull Board) and plain middleware are not routes and are left out.
 * A route answering every method (`router.all`) is listed with method ALL.
 */
export function listAppRoutes(app: Express): AppRoute[] {
  const routes: AppRoute[] = [];
  const walk = (stack: readonly Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route !== undefined) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths) {
          for (const [method, on] of Object.entries(layer.route.methods)) {
            if (on === true)
              routes.push({ method: method === "_all" ? "ALL" : method.toUpperCase(), path: prefix + String(path) });
          }
        }
      } else if (Array.isArray(layer.handle?.stack)) {
        const mount = typeof layer.rawPath === "string" && layer.rawPath !== "/" ? layer.rawPath : "";
        walk(layer.handle.stack, prefix + mount);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, "");
  return routes;
}

/** `/workflows/:ref` and `/workflows/{workflow_ref}` both become `/workflows/{}`: parameter names may differ. */
export function routeShape(path: string): string {
  return path.replace(/:[A-Za-z0-9_]+|\*[A-Za-z0-9_]+|\{[^}]+\}/g, "{}").replace(/\/+$/, "") || "/";
}
