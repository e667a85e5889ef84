import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import type * as ClientModule from "./index";

describe("the client's bundle", () => {
  it("imports nothing at run time: no core, no zod, no package at all", async () => {
    const result = await build({
      entryPoints: [join(import.meta.dirname, "index.ts")],
      bundle: true,
      write: false,
      format: "esm",
      platform: "neutral",
      target: "node20",
      metafile: true,
      // Any import left would stay external and show up below, rather than be bundled in.
      plugins: [
        {
          name: "all-external",
          setup: (b) => b.onResolve({ filter: /^[^./]/ }, (a) => ({ path: a.path, external: true })),
        },
      ],
      logLevel: "silent",
    });
    const outputs = Object.values(result.metafile.outputs);
    assert.deepEqual(
      outputs.flatMap((o) => o.imports.map((i) => i.path)),
      [],
    );
    const inputs = Object.keys(result.metafile.inputs);
    assert.ok(
      inputs.every((path) => path.includes("packages/client/src/")),
      inputs.join("\n"),
    );

    // And it runs as plain JavaScript on the platform alone.
    const dir = await mkdtemp(join(tmpdir(), "client-bundle-"));
    try {
      const file = join(dir, "client.mjs");
      await writeFile(file, result.outputFiles[0]!.text);
      const mod = (await import(pathToFileURL(file).href)) as typeof ClientModule;
      const client = mod.createClient({ url: "http://127.0.0.1:1" });
      const err = await client.workflows.list().catch((e: unknown) => e);
      assert.ok(err instanceof mod.ConnectionError);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});
