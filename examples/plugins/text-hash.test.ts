import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { loadNodePlugins } from "@switchyard/core/engine/plugins/load-node-plugins";
import textHash from "./text-hash";
import { createTestNodeContext } from "@switchyard/core/engine/testing/test-node-context";

const ctx = createTestNodeContext("hash");
const hash = (params: Record<string, unknown>, signal = new AbortController().signal) =>
  textHash.run(textHash.params.parse(params), ctx, signal) as Promise<{
    digest: string;
    hmac: boolean;
    length: number;
  }>;

describe("text.hash plugin", () => {
  it("loads as a plugin", async () => {
    const [plugin] = await loadNodePlugins(["examples/plugins/text-hash.ts"], `${import.meta.dirname}/../..`);
    assert.deepEqual(
      plugin?.nodeTypes.map((t) => t.type),
      ["text.hash"],
    );
  });

  it("digests a text, with sha256 and hex by default", async () => {
    assert.deepEqual(await hash({ text: "hello" }), {
      algorithm: "sha256",
      hmac: false,
      digest: createHash("sha256").update("hello").digest("hex"),
      length: 5,
    });
    const big = "é".repeat(200_000);
    const out = await hash({ text: big, algorithm: "sha512", encoding: "base64" });
    assert.equal(out.digest, createHash("sha512").update(big).digest("base64"));
    assert.equal(out.length, 400_000);
  });

  it("signs a text with a key (HMAC)", async () => {
    const out = await hash({ text: '{"a":1}', key: "secret" });
    assert.equal(out.digest, createHmac("sha256", "secret").update('{"a":1}').digest("hex"));
    assert.equal(out.hmac, true);
  });

  it("refuses unknown algorithms and params", () => {
    assert.equal(textHash.params.safeParse({ text: "x", algorithm: "md5" }).success, false);
    assert.equal(textHash.params.safeParse({ text: "x", salt: "y" }).success, false);
  });

  it("stops with the abort reason when its signal aborts", async () => {
    const controller = new AbortController();
    controller.abort(new Error("timed out after 1 seconds"));
    await assert.rejects(hash({ text: "x".repeat(1_000_000) }, controller.signal), {
      message: "timed out after 1 seconds",
    });
  });
});
