import { z } from "zod";
import type { Db } from "../db";
import { expressionError } from "../engine/compile-expression";

/** A workflow's start rate limit (docs/flow-control.md); null: none. */
export const RateLimitBody = z
  .strictObject({
    limit: z.number().int().min(1).max(1_000_000),
    interval_seconds: z.number().int().min(1).max(86_400),
    key: z.string().min(1).max(1_000).nullable().optional(),
  })
  .superRefine((body, ctx) => {
    const error = body.key == null ? null : expressionError(body.key);
    if (error !== null) ctx.addIssue({ code: "custom", path: ["key"], message: `not valid JSONata: ${error}` });
  });

/** What GET and PUT answer: the stored limit, or null. */
export const RateLimitResponse = z
  .strictObject({ limit: z.number().int(), interval_seconds: z.number().int(), key: z.string().nullable() })
  .nullable();
export type RateLimit = z.output<typeof RateLimitResponse>;

/** `null` and `{}` remove the limit; anything else is a limit. */
export function parseRateLimitBody(body: unknown): z.input<typeof RateLimitBody> | null {
  const empty = body === null || (typeof body === "object" && !Array.isArray(body) && Object.keys(body).length === 0);
  return empty ? null : (body as z.input<typeof RateLimitBody>);
}

export async function getRateLimit(db: Db, workflowId: string): Promise<RateLimit> {
  const row = await db.workflow.findUnique({
    where: { id: workflowId },
    select: { rateLimit: true, rateIntervalSeconds: true, rateKey: true },
  });
  if (row?.rateLimit == null || row.rateIntervalSeconds == null) return null;
  return { limit: row.rateLimit, interval_seconds: row.rateIntervalSeconds, key: row.rateKey };
}

/** Applies to the next start of every run of the workflow, pending ones included. */
export async function updateRateLimit(
  db: Db,
  workflowId: string,
  limit: z.output<typeof RateLimitBody> | null,
): Promise<RateLimit> {
  const stored = limit === null ? null : { ...limit, key: limit.key ?? null };
  await db.workflow.update({
    where: { id: workflowId },
    data: {
      rateLimit: stored?.limit ?? null,
      rateIntervalSeconds: stored?.interval_seconds ?? null,
      rateKey: stored?.key ?? null,
    },
  });
  return stored;
}
