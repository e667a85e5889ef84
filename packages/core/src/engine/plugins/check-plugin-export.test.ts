import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { checkPluginExport } from "./check-plugin-export";

const valid = { type: "ok.one", params: z.strictObject({}), sideEffects: false, run: async () => null };

describe("checkPluginExport", () => {
  it("accepts one node type or a plugin of several", () => {
    assert.deepEqual(checkPluginExport(valid).problems, []);
    const plugin = checkPluginExport({ name: "p", nodeTypes: [valid, { ...valid, type: "ok.two" }] });
    assert.deepEqual(
      [plugin.name, plugin.nodeTypes.map((t) => t.type), plugin.problems],
      ["p", ["ok.one", "ok.two"], []],
    );
  });

  it("refuses a default export that is not an object", () => {
    assert.deepEqual(checkPluginExport("text").problems, [
      "its default export is a string, not a node type or a plugin",
    ]);
    assert.deepEqual(checkPluginExport(null).problems, ["its default export is null, not a node type or a plugin"]);
  });

  it("refuses an empty or non-list nodeTypes, and a type defined twice", () => {
    assert.deepEqual(checkPluginExport({ nodeTypes: [] }).problems, [
      "nodeTypes must be a non-empty list of node types",
    ]);
    assert.deepEqual(checkPluginExport({ nodeTypes: valid }).problems, [
      "nodeTypes must be a non-empty list of node types",
    ]);
    assert.deepEqual(checkPluginExport({ nodeTypes: [valid, valid] }).problems, [
      "node type 'ok.one' is defined twice",
    ]);
  });

  it("refuses a type name outside the alphabet, and bad param lists", () => {
    assert.deepEqual(checkPluginExport({ nodeTypes: [{ ...valid, type: "Bad Name" }, 3] }).problems, [
      "nodeTypes[0]: type must be 1-64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter (got 'Bad Name')",
      "nodeTypes[1] is not a node type object",
    ]);
    assert.deepEqual(checkPluginExport({ ...valid, type: undefined }).problems, [
      "nodeTypes[0]: type must be 1-64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter (got missing)",
    ]);
    assert.deepEqual(checkPluginExport({ ...valid, expressionParams: "expr", rawParams: [1] }).problems, [
      "node type 'ok.one': expressionParams must be a list of param names",
      "node type 'ok.one': rawParams must be a list of param names",
    ]);
  });

  it("refuses params from a zod look-alike", () => {
    const lookAlike = { safeParse: () => ({ success: true, data: {} }) };
    assert.deepEqual(checkPluginExport({ ...valid, params: lookAlike }).problems, [
      "node type 'ok.one': params is not a zod schema (use z.strictObject({...}))",
    ]);
  });
});
