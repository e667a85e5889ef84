import { z } from "zod";
import { evaluateExpression } from "../compile-expression";
import { defineNodeType } from "../node-type";

/** Outputs a JSONata expression's value over the run context. */
export const transformNode = defineNodeType({
  type: "transform",
  params: z.strictObject({ expression: z.string().min(1) }),
  expressionParams: ["expression"],
  sideEffects: false,
  run: async (params, ctx, signal) =>
    (await evaluateExpression(params.expression, ctx.context, {
      ...(ctx.expressionLimits !== undefined && { limits: ctx.expressionLimits }),
      signal,
    })) ?? null,
});
