import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";
import { createOpenApiDocument } from "./openapi-document";
import { GENERATED_BEGIN, GENERATED_END, replaceGeneratedSection } from "./render-api-markdown";
import { API_DOCS_PATH, renderApiDocs } from "./write-api-docs";

describe("docs/api.md and the OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const validator = new Validator();
    const result = await validator.validate(
      JSON.parse(JSON.stringify(createOpenApiDocument())) as Record<string, unknown>,
    );
    assert.equal(validator.version, "3.1");
    assert.deepEqual(result, { valid: true });
  });

  it("docs/api.md holds the reference generated from the current document", () => {
    const current = readFileSync(API_DOCS_PATH, "utf8");
    assert.ok(current.includes(GENERATED_BEGIN) && current.includes(GENERATED_END), "docs/api.md lost its markers");
    assert.ok(
      renderApiDocs(current) === current,
      "docs/api.md is stale: the OpenAPI document (apps/api/src/openapi, the zod schemas) changed since it was " +
        "generated. Run `npm run docs:api` and commit docs/api.md.",
    );
  });

  it("keeps the hand-written text around the generated section", () => {
    const md = `# Intro\n\nhand-written\n\n${GENERATED_BEGIN}\nold\n${GENERATED_END}\n\n## After\n`;
    const next = replaceGeneratedSection(md, `${GENERATED_BEGIN}\nnew\n${GENERATED_END}\n`);
    assert.equal(next, `# Intro\n\nhand-written\n\n${GENERATED_BEGIN}\nnew\n${GENERATED_END}\n\n## After\n`);
  });
});
