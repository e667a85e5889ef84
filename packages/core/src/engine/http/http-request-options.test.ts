import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseConfig } from "../../config";
import { httpRequestOptionsOf } from "./http-request-options";

describe("http.request settings", () => {
  it("defaults to a 50 MiB ceiling, a 128 MiB budget, private ranges allowed and no exceptions", () => {
    assert.deepEqual(httpRequestOptionsOf(parseConfig({})), {
      maxResponseBytesCeiling: 50 * 1024 * 1024,
      responseBudgetMb: 128,
      denyPrivate: false,
      allowHosts: [],
    });
  });

  it("parses the variables, the exceptions as host names, addresses and CIDR ranges", () => {
    const options = httpRequestOptionsOf(
      parseConfig({
        HTTP_REQUEST_MAX_RESPONSE_BYTES: "1000000",
        HTTP_REQUEST_RESPONSE_BUDGET_MB: "16",
        HTTP_REQUEST_DENY_PRIVATE: "true",
        HTTP_REQUEST_ALLOW_HOSTS: "billing.internal, 10.0.0.0/8,127.0.0.1,fd00::/8,::1",
      }),
    );
    assert.deepEqual(options, {
      maxResponseBytesCeiling: 1_000_000,
      responseBudgetMb: 16,
      denyPrivate: true,
      allowHosts: ["billing.internal", "10.0.0.0/8", "127.0.0.1", "fd00::/8", "::1"],
    });
  });

  it("names a bad exception, and a ceiling the budget could never hold", () => {
    for (const entry of ["10.0.0.0/33", "not a host", "10.0.0.1/8/2", "http://x.example", "fd00::/129"]) {
      assert.throws(
        () => parseConfig({ HTTP_REQUEST_ALLOW_HOSTS: entry }),
        new RegExp(`HTTP_REQUEST_ALLOW_HOSTS.0: '${entry.replace(/[./:]/g, "\\$&")}' is not a host name`),
        entry,
      );
    }
    assert.throws(
      () =>
        parseConfig({
          HTTP_REQUEST_MAX_RESPONSE_BYTES: String(20 * 1024 * 1024),
          HTTP_REQUEST_RESPONSE_BUDGET_MB: "16",
        }),
      /HTTP_REQUEST_MAX_RESPONSE_BYTES: must be at most HTTP_REQUEST_RESPONSE_BUDGET_MB/,
    );
    assert.throws(() => parseConfig({ HTTP_REQUEST_DENY_PRIVATE: "yes please" }), /HTTP_REQUEST_DENY_PRIVATE/);
  });
});
