import { z } from "zod";
import type { Db } from "../db";
import { expressionError } from "../engine/compile-expression";

const Limit = z.number().int().min(1).max(100_000).nullable();

/** A workflow's concurrency limits (docs/flow-control.md); all null: none. */
export const ConcurrencyBody = z
  .strictObject({
    max_running: Limit.default(null),
    key: z.string().min(1).max(1_000).nullable().default(null),
    max_running_per_key: Limit.default(null),
  })
  .superRefine((body, ctx) => {
    if (body.key !== null) {
      const error = expressionError(body.key);
      if (error !== null) ctx.addIssue({ code: "custom", path: ["key"], message: `not valid JSONata: ${error}` });
      if (body.max_running_per_key === null) {
        ctx.addIssue({ code: "custom", path: ["max_running_per_key"], message: "required with a key" });
      }
    } else if (body.max_running_per_key !== null) {
      ctx.addIssue({ code: "custom", path: ["key"], message: "required with max_running_per_key" });
    }
  });

export type ConcurrencyLimits = z.infer<typeof ConcurrencyBody>;

/** What GET and PUT answer: the stored limits. */
export const ConcurrencyResponse = z.strictObject({
  max_running: z.number().int().nullable(),
  key: z.string().nullable(),
  max_running_per_key: z.number().int().nullable(),
});

export async function getConcurrencyLimits(db: Db, workflowId: string): Promise<ConcurrencyLimits> {
  const row = await db.workflow.findUnique({
    where: { id: workflowId },
    select: { maxRunning: true, concurrencyKey: true, maxRunningPerKey: true },
  });
  return {
    max_running: row?.maxRunning ?? null,
    key: row?.concurrencyKey ?? null,
    max_running_per_key: row?.maxRunningPerKey ?? null,
  };
}

/** Applies to the next start of every run of the workflow, pending ones included. */
export async function updateConcurrencyLimits(
  db: Db,
  workflowId: string,
  limits: ConcurrencyLimits,
): Promise<ConcurrencyLimits> {
  await db.workflow.update({
    where: { id: workflowId },
    data: { maxRunning: limits.max_running, concurrencyKey: limits.key, maxRunningPerKey: limits.max_running_per_key },
  });
  return limits;
}
