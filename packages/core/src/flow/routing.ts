import { z } from "zod";
import type { Db } from "../db";

/** The queue every run goes to unless its workflow names another: BullMQ's `runs` queue, as before routing. */
export const DEFAULT_QUEUE = "default";
export const DEFAULT_PRIORITY = 5;

/** A routing queue's name: also part of a BullMQ queue name and of Redis keys, so nothing but these characters. */
export const QueueName = z
  .string()
  .regex(/^[a-z0-9_-]{1,64}$/, "1 to 64 characters among a-z, 0-9, '_' and '-'")
  .meta({ description: "A queue name, `[a-z0-9_-]{1,64}`", example: "reports" });

/** 1 starts first; runs of equal priority start oldest first. */
export const Priority = z
  .number()
  .int()
  .min(1)
  .max(10)
  .meta({ description: "1..10, 1 starts first; equal priorities start oldest first", example: 5 });

/** A workflow's routing (docs/flow-control.md); omitted fields take their defaults. */
export const RoutingBody = z.strictObject({
  queue: QueueName.default(DEFAULT_QUEUE),
  priority: Priority.default(DEFAULT_PRIORITY),
});
export type Routing = z.output<typeof RoutingBody>;

/** What GET and PUT answer: the stored routing. */
export const RoutingResponse = z.strictObject({ queue: z.string(), priority: z.number().int() });

export async function getRouting(db: Db, workflowId: string): Promise<Routing> {
  const row = await db.workflow.findUnique({ where: { id: workflowId }, select: { queue: true, priority: true } });
  return { queue: row?.queue ?? DEFAULT_QUEUE, priority: row?.priority ?? DEFAULT_PRIORITY };
}

/** Applies to the runs created next; a run keeps the queue and priority it was created with. */
export async function updateRouting(db: Db, workflowId: string, routing: Routing): Promise<Routing> {
  await db.workflow.update({ where: { id: workflowId }, data: { queue: routing.queue, priority: routing.priority } });
  return routing;
}
