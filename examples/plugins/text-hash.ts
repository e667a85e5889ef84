// An example node type plugin: `text.hash` digests a text, or signs it with a key (HMAC), e.g. to sign the body of
// a later http.request. Load it with NODE_PLUGINS=examples/plugins/text-hash.ts on the api and every worker;
// docs/plugins.md explains each part.
import { createHash, createHmac } from "node:crypto";
import { setImmediate } from "node:timers/promises";
import { z } from "zod";
import { defineNodeType } from "@switchyard/core/engine/plugins/define-plugin";

/** Large texts are digested a slice at a time, yielding between slices, so a timeout or cancel stops the work. */
const SLICE = 64 * 1024;

const TextHashParams = z.strictObject({
  text: z.string().max(10 * 1024 * 1024),
  algorithm: z.enum(["sha1", "sha256", "sha512"]).default("sha256"),
  encoding: z.enum(["hex", "base64"]).default("hex"),
  /** With a key the digest is an HMAC of the text (webhook-style signing); keep the key out of the graph. */
  key: z.string().min(1).optional(),
});

export default defineNodeType({
  type: "text.hash",
  params: TextHashParams,
  // A digest is a pure function of its params: nothing outside the run sees it being computed twice.
  sideEffects: false,
  run: async (params, ctx, signal) => {
    const hash = params.key === undefined ? createHash(params.algorithm) : createHmac(params.algorithm, params.key);
    for (let at = 0; at < params.text.length; at += SLICE) {
      // Rejects with the abort reason ("timed out after N seconds", the run's cancel) as soon as it is raised.
      signal.throwIfAborted();
      hash.update(params.text.slice(at, at + SLICE), "utf8");
      if (at + SLICE < params.text.length) await setImmediate();
    }
    signal.throwIfAborted();
    ctx.log("debug", `hashed ${params.text.length} characters`);
    return {
      algorithm: params.algorithm,
      hmac: params.key !== undefined,
      digest: hash.digest(params.encoding),
      length: Buffer.byteLength(params.text, "utf8"),
    };
  },
});
