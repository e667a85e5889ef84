import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createNodeRegistry } from "../engine/node-registry";
import { validateGraph } from "../engine/validate-graph";
import { REPO_ROOT } from "../testing/test-database";
import { parseWorkflowBundle, WorkflowBundleError } from "./workflow-bundle";

const bundle = (extra: Record<string, unknown> = {}) => ({
  variables: {
    TARGET_URL: { description: "where to post", default: "https://example.com/in" },
    SECRET: { description: "the shared secret" },
  },
  workflow: { name: "w", handle: "w" },
  version: {
    graph: {
      nodes: [{ id: "a", type: "http.request", params: { url: "${TARGET_URL}/x?run={{ run.id }}", body: "$x ${A" } }],
    },
  },
  triggers: { webhook: { secret_header: "x-secret", shared_secret: "${SECRET}" } },
  ...extra,
});

const problemsOf = (raw: unknown, values: Record<string, string> = {}) => {
  try {
    parseWorkflowBundle(raw, values);
  } catch (err) {
    assert.ok(err instanceof WorkflowBundleError, String(err));
    return err.problems;
  }
  return assert.fail("expected the file to be refused");
};

describe("parseWorkflowBundle", () => {
  it("fills placeholders from the values given, else the defaults, and leaves templates alone", () => {
    const parsed = parseWorkflowBundle(bundle(), { SECRET: "s3cret" });
    assert.deepEqual((parsed.version.graph as { nodes: { params: unknown }[] }).nodes[0]?.params, {
      url: "https://example.com/in/x?run={{ run.id }}",
      body: "$x ${A",
    });
    assert.deepEqual(parsed.triggers.webhook, { secret_header: "x-secret", shared_secret: "s3cret" });
    const local = parseWorkflowBundle(bundle(), { SECRET: "s", TARGET_URL: "http://127.0.0.1:9" });
    assert.match(JSON.stringify(local.version.graph), /"url":"http:\/\/127\.0\.0\.1:9\/x\?run=/);
  });

  it("lists a missing value, an undeclared placeholder and a value for no variable", () => {
    const raw = bundle({ workflow: { name: "${NAME}" } });
    assert.deepEqual(problemsOf(raw, { OTHER: "x" }), [
      "OTHER is not a variable of this file (it has: TARGET_URL, SECRET)",
      "${NAME} is used but not declared in variables",
      "SECRET needs a value: the shared secret",
    ]);
  });

  it("refuses unknown top-level fields, bad variable names and a missing graph", () => {
    assert.deepEqual(problemsOf({ ...bundle({ version: {} }), extra: 1, variables: { lower: { description: "d" } } }), [
      "variables.lower: variable names are upper case: A-Z, 0-9 and _",
      "version.graph: graph is required",
      '(file): Unrecognized key: "extra"',
    ]);
  });

  it("parses every example in examples/, whose graphs validate with the built-in node types", () => {
    const dir = join(REPO_ROOT, "examples");
    const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
    assert.ok(files.length >= 3, files.join());
    for (const file of files) {
      const raw: unknown = JSON.parse(readFileSync(join(dir, file), "utf8"));
      const secrets = Object.fromEntries(
        Object.entries((raw as { variables: Record<string, { default?: string }> }).variables)
          .filter(([, v]) => v.default === undefined)
          .map(([k]) => [k, "value"]),
      );
      const parsed = parseWorkflowBundle(raw, secrets);
      assert.deepEqual(validateGraph(parsed.version.graph, createNodeRegistry()), [], file);
      assert.doesNotMatch(JSON.stringify(parsed), /\$\{[A-Z]/, file);
    }
  });
});
