// Test fixture: a node type exported under a name instead of as the default export.
import { z } from "zod";
import { defineNodeType } from "../define-plugin";

export const nodeType = defineNodeType({
  type: "fixture.named",
  params: z.strictObject({}),
  sideEffects: false,
  run: async () => null,
});
