import { z } from "zod";
import { defineNodeType } from "../node-type";

/** Outputs its (templated) value: `{"value": "{{ input.n * 2 }}"}`. */
export const setNode = defineNodeType({
  type: "set",
  params: z.strictObject({ value: z.unknown() }),
  sideEffects: false,
  run: async (params) => params.value ?? null,
});
