import { z } from "zod";
import { toText } from "../render-template";
import { defineNodeType } from "../node-type";

/** Writes its (templated) message to the run's history and the worker's log; outputs null. */
export const logNode = defineNodeType({
  type: "log",
  params: z.strictObject({
    // A `{{ expr }}` message may evaluate to any JSON value; it is logged as text.
    message: z
      .unknown()
      .refine((m) => m !== undefined, "message is required")
      .transform(toText),
    level: z.enum(["debug", "info", "warn", "error"]).default("info"),
  }),
  sideEffects: false,
  run: async (params, ctx) => {
    ctx.log(params.level, params.message);
    return null;
  },
});
