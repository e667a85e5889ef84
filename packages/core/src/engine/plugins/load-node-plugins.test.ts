import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadNodePlugins, loadNodeRegistry, PluginError } from "./load-node-plugins";
import { createTestNodeContext } from "../testing/test-node-context";

const FIXTURES = join(import.meta.dirname, "testing");
const fixture = (name: string) => `./${name}.ts`;

/** The problems a list of modules fails with (loaded relative to the fixtures folder). */
async function problemsOf(...specs: string[]): Promise<string[]> {
  const err = await loadNodePlugins(specs, FIXTURES).then(
    () => assert.fail("expected the plugins to be refused"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof PluginError, String(err));
  assert.equal(err.message, `Invalid NODE_PLUGINS:\n${err.problems.map((p) => `  ${p}`).join("\n")}`);
  return err.problems;
}

const ctx = createTestNodeContext("n");

describe("loadNodePlugins", () => {
  it("loads nothing for an empty list", async () => {
    assert.deepEqual(await loadNodePlugins([]), []);
  });

  it("loads a plugin by a path relative to the working directory, and its types join the built-ins", async () => {
    const [plugin] = await loadNodePlugins([fixture("valid-plugin")], FIXTURES);
    assert.equal(plugin?.module, "./valid-plugin.ts");
    assert.equal(plugin?.name, "fixtures");
    assert.deepEqual(
      plugin?.nodeTypes.map((t) => [t.type, t.sideEffects]),
      [
        ["fixture.echo", true],
        ["fixture.bigint", false],
      ],
    );
    const registry = await loadNodeRegistry(["testing/valid-plugin.ts"], import.meta.dirname);
    assert.ok(registry.has("fixture.echo") && registry.has("http.request") && registry.has("code"));
  });

  it("loads a plugin by package name and by absolute path", async () => {
    const [byPackage] = await loadNodePlugins(["@switchyard/core/engine/plugins/testing/valid-plugin"]);
    assert.deepEqual(
      byPackage?.nodeTypes.map((t) => t.type),
      ["fixture.echo", "fixture.bigint"],
    );
    const [byPath] = await loadNodePlugins([join(FIXTURES, "same-type.ts")], "/");
    assert.deepEqual(
      byPath?.nodeTypes.map((t) => t.type),
      ["fixture.echo"],
    );
  });

  it("gives plugin outputs as JSON, and fails a node whose output JSON cannot hold", async () => {
    const [plugin] = await loadNodePlugins([fixture("valid-plugin")], FIXTURES);
    const [echo, bigint] = plugin!.nodeTypes;
    const signal = new AbortController().signal;
    const params = echo!.params.parse({ value: { a: [1, "x"] }, at: "2026-01-02T03:04:05Z" });
    assert.deepEqual(await echo!.run(params, ctx, signal), {
      value: { a: [1, "x"] },
      node: "n",
      when: "2026-01-02T03:04:05.000Z",
    });
    await assert.rejects(bigint!.run({}, ctx, signal), { name: "NodeError", message: /^output is not JSON: .*BigInt/ });
  });

  it("refuses a missing file or package", async () => {
    assert.deepEqual(await problemsOf("./missing.ts", "switchyard-no-such-plugin"), [
      `module './missing.ts': file not found: ${join(FIXTURES, "missing.ts")}`,
      "module 'switchyard-no-such-plugin': package not found (npm install it beside Switchyard, or give a file path)",
    ]);
  });

  it("refuses a module that throws on import, has no default export or exports something else", async () => {
    assert.deepEqual(await problemsOf(fixture("throws-on-import"), fixture("no-default"), fixture("not-a-node-type")), [
      "module './throws-on-import.ts': import failed: plugin exploded at import",
      "module './no-default.ts': has no default export: export default defineNodeType({...}) or definePlugin({...})",
      "module './not-a-node-type.ts': its default export is neither a node type ({type, params, sideEffects, run}) nor a plugin ({nodeTypes: [...]})",
    ]);
  });

  it("names every bad field of a node type", async () => {
    assert.deepEqual(await problemsOf(fixture("bad-fields")), [
      "module './bad-fields.ts': node type 'fixture.bad': params is not a zod schema (use z.strictObject({...}))",
      "module './bad-fields.ts': node type 'fixture.bad': run is not a function",
      "module './bad-fields.ts': node type 'fixture.bad': sideEffects must be true or false",
    ]);
  });

  it("refuses a type name taken by a built-in or by another module, and a module listed twice", async () => {
    assert.deepEqual(
      await problemsOf(
        fixture("builtin-collision"),
        fixture("valid-plugin"),
        fixture("same-type"),
        fixture("same-type"),
      ),
      [
        "module './builtin-collision.ts': node type 'http.request' collides with a built-in node type",
        "module './same-type.ts': node type 'fixture.echo' is already defined by module './valid-plugin.ts'",
        "module './same-type.ts': is listed twice",
      ],
    );
  });
});
