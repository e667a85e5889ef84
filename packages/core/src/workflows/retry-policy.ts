import { z } from "zod";
import type { Db } from "../db";

/** The workflow's run-level retry policy; stored as JSON on the workflow. */
export const RetryPolicyBody = z.strictObject({
  max_attempts: z.number().int().min(1).max(100).default(1),
  initial_delay_seconds: z.number().min(0).max(86_400).default(1),
  backoff_factor: z.number().min(1).max(100).default(2),
  max_delay_seconds: z.number().min(0).max(86_400).default(300),
  jitter_factor: z.number().min(0).max(1).default(0),
});

export type RetryPolicy = z.infer<typeof RetryPolicyBody>;

/** The policy of a workflow without one: a single attempt. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = RetryPolicyBody.parse({});

export async function getRetryPolicy(db: Db, workflowId: string): Promise<RetryPolicy> {
  const row = await db.workflow.findUnique({ where: { id: workflowId }, select: { retryPolicy: true } });
  const parsed = RetryPolicyBody.safeParse(row?.retryPolicy ?? {});
  // A stored policy is validated on write; an unreadable one falls back to a single attempt.
  return parsed.success ? parsed.data : DEFAULT_RETRY_POLICY;
}

export async function updateRetryPolicy(db: Db, workflowId: string, policy: RetryPolicy): Promise<RetryPolicy> {
  await db.workflow.update({ where: { id: workflowId }, data: { retryPolicy: policy } });
  return policy;
}

/** Delay before the attempt after `attempt` (1-based): exponential backoff, capped, with jitter of ± jitter_factor. */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random = Math.random): number {
  const base = Math.min(
    policy.initial_delay_seconds * policy.backoff_factor ** (attempt - 1),
    policy.max_delay_seconds,
  );
  const jitter = base * policy.jitter_factor * (random() * 2 - 1);
  return Math.round(Math.max(0, base + jitter) * 1000);
}
