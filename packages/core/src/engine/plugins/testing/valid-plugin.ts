// Test fixture: a plugin of two node types, one of them written as a plain (non-async) function.
import { z } from "zod";
import { defineNodeType, definePlugin } from "../define-plugin";

export default definePlugin({
  name: "fixtures",
  nodeTypes: [
    defineNodeType({
      type: "fixture.echo",
      params: z.strictObject({ value: z.unknown(), at: z.string().optional() }),
      sideEffects: true,
      run: async (params, ctx) => ({
        value: params.value,
        node: ctx.nodeId,
        when: params.at ? new Date(params.at) : null,
      }),
    }),
    defineNodeType({
      type: "fixture.bigint",
      params: z.strictObject({}),
      sideEffects: false,
      // Not async on purpose: the loader makes every run return a promise.
      run: (() => BigInt(1)) as never,
    }),
  ],
});
