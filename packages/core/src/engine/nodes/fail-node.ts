import { z } from "zod";
import { defineNodeType, NodeError } from "../node-type";

/** Fails with its message: for tests, demos and guarding a branch. */
export const failNode = defineNodeType({
  type: "fail",
  params: z.strictObject({ message: z.string().default("failed") }),
  sideEffects: false,
  run: async (params) => {
    throw new NodeError(params.message);
  },
});
