import { describe, it } from "node:test";
import assert from "node:assert/strict";
import jsonata from "jsonata";
import { jsonSizeWithin, NotJsonError } from "./json-size";

const VALUES: unknown[] = [
  1,
  -0,
  1.5e300,
  "plain",
  'quotes " and \\ backslash, \n newline, \u0001 control, é, 😀 and a lone \ud800',
  null,
  true,
  [],
  {},
  [1, [2, {}], { a: [null, true, false] }],
  { a: undefined, b: () => 1, c: [undefined, () => 1] },
  JSON.parse('{"__proto__": {"a": 1}, "b": [1, 2]}'),
  { date: new Date(0) },
];

describe("jsonSizeWithin", () => {
  it("gives the UTF-8 byte length of JSON.stringify, compact and pretty", () => {
    for (const value of VALUES) {
      for (const pretty of [false, true]) {
        const text = JSON.stringify(value, null, pretty ? 2 : 0);
        assert.equal(jsonSizeWithin(value, 1e9, { pretty }), Buffer.byteLength(text), `${text} (pretty: ${pretty})`);
      }
    }
  });

  it("is null past the limit, and stops early on a value that shares its parts (or holds a cycle)", () => {
    assert.equal(jsonSizeWithin("x".repeat(100), 101), null);
    assert.equal(jsonSizeWithin("x".repeat(100), 102), 102);
    let shared: unknown = "leaf";
    for (let i = 0; i < 60; i++) shared = [shared, shared];
    assert.equal(jsonSizeWithin(shared, 1_000_000), null);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    assert.equal(jsonSizeWithin(cycle, 1_000_000), null);
  });

  it("refuses a JSONata function, or reads it as an empty string as $string does", async () => {
    const lambda: unknown = await jsonata("function($x){ $x }").evaluate({});
    assert.throws(() => jsonSizeWithin({ f: lambda }, 1e6), NotJsonError);
    assert.equal(jsonSizeWithin({ f: lambda }, 1e6, { functionsAsEmpty: true }), '{"f":""}'.length);
  });
});
