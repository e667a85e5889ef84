import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { bearerToken, parseBasicAuth } from "./credentials";

const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("credentials", () => {
  it("reads Bearer tokens", () => {
    assert.equal(bearerToken("Bearer abc "), "abc");
    assert.equal(bearerToken("bearer abc"), "abc");
    assert.equal(bearerToken("Basic abc"), undefined);
    assert.equal(bearerToken(undefined), undefined);
  });

  it("reads Basic credentials, a colon in the password included", () => {
    assert.deepEqual(parseBasicAuth(`Basic ${b64("ops:pa:ss")}`), { username: "ops", password: "pa:ss" });
    assert.deepEqual(parseBasicAuth(`basic ${b64(":key")}`), { username: "", password: "key" });
    assert.equal(parseBasicAuth(`Basic ${b64("no-colon")}`), null);
    assert.equal(parseBasicAuth("Basic !!"), null);
    assert.equal(parseBasicAuth("Bearer x"), null);
  });
});
