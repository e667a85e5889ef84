import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startTestApi, type TestApi } from "./testing/start-api";

describe("http.request's max_response_bytes against HTTP_REQUEST_MAX_RESPONSE_BYTES", () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi({ HTTP_REQUEST_MAX_RESPONSE_BYTES: "1000000" });
    await api.request("POST", "/api/workflows", { body: { name: "Fetch", handle: "fetch" } });
  });
  after(async () => {
    await api.close();
  });

  const post = (maxResponseBytes: unknown) =>
    api.request("POST", "/api/workflows/fetch/versions", {
      body: {
        graph: {
          nodes: [
            {
              id: "get",
              type: "http.request",
              params: { url: "https://example.com/", max_response_bytes: maxResponseBytes },
            },
          ],
          edges: [],
        },
      },
    });

  it("refuses a version whose static max_response_bytes is above the ceiling with a 422 naming it", async () => {
    const res = await post(2_000_000);
    assert.equal(res.status, 422);
    assert.deepEqual(
      res.body.detail.map((d: { msg: string }) => d.msg),
      ["node 'get': params.max_response_bytes: must be at most 1000000 bytes (HTTP_REQUEST_MAX_RESPONSE_BYTES)"],
    );
    assert.equal((await post(1_000_000)).status, 201);
  });

  it("accepts a templated max_response_bytes, which is checked when the node runs", async () => {
    assert.equal((await post("{{ input.limit }}")).status, 201);
  });
});
