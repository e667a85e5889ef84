// Test fixture: defines a type that valid-plugin.ts defines too.
import { z } from "zod";
import { defineNodeType } from "../define-plugin";

export default defineNodeType({
  type: "fixture.echo",
  params: z.strictObject({}),
  sideEffects: false,
  run: async () => null,
});
