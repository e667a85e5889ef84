import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Request } from "express";
import { isSameOrigin } from "./csrf";

const req = (headers: Record<string, string>, host = "switchyard.example:8443") =>
  ({ get: (name: string) => headers[name.toLowerCase()], host }) as unknown as Request;

describe("isSameOrigin", () => {
  it("trusts Sec-Fetch-Site first", () => {
    assert.ok(isSameOrigin(req({ "sec-fetch-site": "same-origin", origin: "https://evil.example" })));
    assert.ok(isSameOrigin(req({ "sec-fetch-site": "none" })));
    assert.ok(!isSameOrigin(req({ "sec-fetch-site": "same-site" })));
    assert.ok(!isSameOrigin(req({ "sec-fetch-site": "cross-site", origin: "https://switchyard.example:8443" })));
  });

  it("else compares Origin's host with the request's host, port included", () => {
    assert.ok(isSameOrigin(req({ origin: "https://switchyard.example:8443" })));
    assert.ok(isSameOrigin(req({ origin: "https://SWITCHYARD.example:8443" })));
    assert.ok(!isSameOrigin(req({ origin: "https://switchyard.example" })));
    assert.ok(!isSameOrigin(req({ origin: "https://evil.example" })));
    assert.ok(!isSameOrigin(req({ origin: "null" })));
  });

  it("lets requests without either header through (not from a browser page)", () => {
    assert.ok(isSameOrigin(req({})));
  });
});
