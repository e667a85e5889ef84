import { Script } from "node:vm";
import { z } from "zod";
import type { CodeSandbox } from "../code/code-sandbox";
import { wrapSource } from "../code/sandbox-thread";
import { defineNodeType } from "../node-type";

const CodeParams = z.strictObject({
  // Compiled, never run, when a version is created, so a syntax error is a 422 naming the node. This compiles with
  // V8 (`vm.Script` parses and compiles without running anything, and the source is at most 100 KB), not with
  // QuickJS: validation is synchronous and QuickJS's WebAssembly loads asynchronously, and the API process then
  // loads no engine at all. The two parsers accept the same modern syntax in practice; source that only V8 accepts
  // fails its first run with QuickJS's "code does not compile: ..." message, naming the node like any node error.
  source: z
    .string()
    .min(1)
    .max(100_000)
    .superRefine((source, ctx) => {
      try {
        new Script(wrapSource(source), { filename: "code-node.js" });
      } catch (err) {
        ctx.addIssue({
          code: "custom",
          message: `does not compile: ${err instanceof Error ? err.message : String(err)}`,
        });
      }
    }),
  timeout_seconds: z.number().positive().max(3_600).default(10),
});

/**
 * Runs `source` as the body of an async function of `input`, `steps` and `run` in a QuickJS engine of the
 * process's code sandbox (code-sandbox.ts); the returned value (JSON) is the output. An endless loop, a memory
 * blow-up, a huge result or a throw fails this node only, with a message naming the limit it hit.
 */
export function createCodeNode(sandbox: CodeSandbox) {
  return defineNodeType({
    type: "code",
    params: CodeParams,
    rawParams: ["source"],
    sideEffects: false,
    run: (params, ctx, signal) =>
      sandbox.run({
        source: params.source,
        args: { input: ctx.context.input, steps: ctx.context.steps, run: ctx.context.run },
        timeoutSeconds: params.timeout_seconds,
        signal,
      }),
  });
}
