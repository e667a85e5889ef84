import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { pythonFloatRepr, toCanonicalJson } from "./canonical-json";

// Expected values are what Python 3 prints for json.dumps(json.loads(text), sort_keys=True, separators=(",", ":")).
describe("toCanonicalJson", () => {
  it("sorts keys recursively and drops whitespace", () => {
    assert.equal(
      toCanonicalJson(' { "b" : 1 , "a" : { "d" : [ 1 , 2 ] , "c" : null } } ', "ascii"),
      '{"a":{"c":null,"d":[1,2]},"b":1}',
    );
  });

  it("escapes non-ASCII as lower-case \\uXXXX in the ascii form and keeps it in the utf8 form", () => {
    const text = '{"name":"Zoë 😀","del":"\\u007f"}';
    assert.equal(toCanonicalJson(text, "ascii"), '{"del":"\\u007f","name":"Zo\\u00eb \\ud83d\\ude00"}');
    assert.equal(toCanonicalJson(text, "utf8"), '{"del":"\u007f","name":"Zoë 😀"}');
  });

  it("escapes control characters, quotes and backslashes as Python does", () => {
    assert.equal(toCanonicalJson('["\\u0000\\u001f\\t\\n\\"\\\\\\/"]', "utf8"), '["\\u0000\\u001f\\t\\n\\"\\\\/"]');
  });

  it("keeps integers exact and renders floats in Python's repr form", () => {
    const text = "[1.0,2.50,1e16,1e15,0.0001,0.00001,-0.0,-0,12345678901234567890,1E+2,1.5e-7,1e400]";
    assert.equal(
      toCanonicalJson(text, "ascii"),
      "[1.0,2.5,1e+16,1000000000000000.0,0.0001,1e-05,-0.0,0,12345678901234567890,100.0,1.5e-07,Infinity]",
    );
  });

  it("sorts keys by code point and keeps the last of repeated keys", () => {
    assert.equal(
      toCanonicalJson('{"\\uffff":1,"\\ud800\\udc00":2,"a":3,"a":4}', "ascii"),
      '{"a":4,"\\uffff":1,"\\ud800\\udc00":2}',
    );
  });

  it("returns null for text that is not JSON", () => {
    for (const text of ["{bad", "[1,]", "01", "", '{"a":1} x', "'x'"])
      assert.equal(toCanonicalJson(text, "ascii"), null, text);
  });
});

describe("pythonFloatRepr", () => {
  it("switches to exponent form below 1e-4 and from 1e16", () => {
    assert.equal(pythonFloatRepr(0.5), "0.5");
    assert.equal(pythonFloatRepr(123.456), "123.456");
    assert.equal(pythonFloatRepr(2.5e-4), "0.00025");
    assert.equal(pythonFloatRepr(1e-5), "1e-05");
    assert.equal(pythonFloatRepr(1e100), "1e+100");
    assert.equal(pythonFloatRepr(-3.14), "-3.14");
    assert.equal(pythonFloatRepr(5e-324), "5e-324");
  });
});
