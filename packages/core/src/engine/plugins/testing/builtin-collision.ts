// Test fixture: takes the name of a built-in node type.
import { z } from "zod";
import { defineNodeType } from "../define-plugin";

export default defineNodeType({
  type: "http.request",
  params: z.strictObject({}),
  sideEffects: true,
  run: async () => null,
});
