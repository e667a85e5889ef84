import { createRequire } from "node:module";
import { dirname } from "node:path";
import express, { Router, type RequestHandler } from "express";
import { NotFoundError } from "@switchyard/core/errors";

export const DOCS_PATH = "/api/docs";
const ASSETS_PATH = `${DOCS_PATH}/assets`;
/** The Swagger UI files the page loads; nothing else of the package is served. */
const ASSETS = new Set(["/swagger-ui.css", "/swagger-ui-bundle.js", "/favicon-32x32.png", "/favicon-16x16.png"]);

const PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>Switchyard API reference</title>
    <link rel="stylesheet" href="${ASSETS_PATH}/swagger-ui.css">
    <link rel="icon" type="image/png" href="${ASSETS_PATH}/favicon-32x32.png" sizes="32x32">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${ASSETS_PATH}/swagger-ui-bundle.js"></script>
    <script src="${ASSETS_PATH}/init.js"></script>
  </body>
</html>
`;

// A file of its own, not an inline script, so the page runs under the default Content-Security-Policy. No
// validatorUrl: Swagger UI would otherwise send the document to validator.swagger.io.
const INIT_SCRIPT = `window.ui = SwaggerUIBundle({
  url: "/api/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
});
`;

function swaggerUiDir(): string {
  return dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
}

/**
 * Public: the OpenAPI document at /api/openapi.json and the reference page at /api/docs (Swagger UI, its assets
 * served from node_modules: no CDN). The document describes the API, not its data, so it needs no token.
 */
export function docsRoutes(): Router {
  const router = Router();
  // Built on first request, not at every start: the document is the same for the life of the process. Its module
  // (every path definition, zod-openapi) is imported then too: a process that is never asked for it never loads it.
  let document: Promise<unknown> | undefined;
  const assets = express.static(swaggerUiDir(), { index: false, fallthrough: false, maxAge: "1h" });
  const onlyKnownAssets: RequestHandler = (req, res, next) => {
    if (req.path === "/init.js") {
      res.type("text/javascript").send(INIT_SCRIPT);
      return;
    }
    if (!ASSETS.has(req.path)) throw new NotFoundError("Not Found");
    assets(req, res, next);
  };

  router.get("/api/openapi.json", async (_req, res) => {
    document ??= import("../openapi/openapi-document").then((m) => m.createOpenApiDocument());
    try {
      res.json(await document);
    } catch (err) {
      document = undefined; // not cached: the next request tries again
      throw err;
    }
  });
  router.get(DOCS_PATH, (_req, res) => {
    res.type("html").send(PAGE);
  });
  router.use(ASSETS_PATH, onlyKnownAssets);
  return router;
}
