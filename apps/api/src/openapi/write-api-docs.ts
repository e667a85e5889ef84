import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { createOpenApiDocument } from "./openapi-document";
import { renderApiMarkdown, replaceGeneratedSection } from "./render-api-markdown";

/** `npm run docs:api`: rewrites the generated reference in docs/api.md from the OpenAPI document. */
export const API_DOCS_PATH = resolve(import.meta.dirname, "../../../../docs/api.md");

export function renderApiDocs(current: string): string {
  return replaceGeneratedSection(current, renderApiMarkdown(createOpenApiDocument()));
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const current = readFileSync(API_DOCS_PATH, "utf8");
  const next = renderApiDocs(current);
  writeFileSync(API_DOCS_PATH, next);
  process.stdout.write(next === current ? "docs/api.md is up to date\n" : "docs/api.md rewritten\n");
}
