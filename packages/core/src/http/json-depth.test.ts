import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { exceedsJsonDepth } from "./json-depth";

describe("exceedsJsonDepth", () => {
  it("counts nesting outside strings only", () => {
    assert.equal(exceedsJsonDepth('[[["[[[[[["]]]', 3), false);
    assert.equal(exceedsJsonDepth("[[[[]]]]", 3), true);
    assert.equal(exceedsJsonDepth('{"a":{"b":{"c":"\\"[[[[["}}}', 3), false);
    assert.equal(exceedsJsonDepth('{"a":{"b":{"c":{}}}}', 3), true);
  });

  it("handles unclosed and huge inputs without recursion", () => {
    assert.equal(exceedsJsonDepth("[".repeat(1_000_000)), true);
    assert.equal(exceedsJsonDepth(`${"[".repeat(256)}${"]".repeat(256)}`), false);
  });
});
