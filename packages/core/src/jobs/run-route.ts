import { DEFAULT_QUEUE } from "../flow/routing";
import { QUEUES } from "./catalog";

/** Where a run's execute_run jobs go: its routing queue and priority (runs.queue, runs.priority). */
export type RunRoute = { id: string; queue: string; priority: number };

/**
 * The BullMQ queue of a routing queue. The default queue is the `runs` queue every release before routing used, so
 * a deployment that names no queue sees no change; any other is `runs-<name>` (a routing name has no ':', which
 * BullMQ forbids, and `runs-<name>` can never be `runs`).
 */
export function bullQueueName(queue: string): string {
  return queue === DEFAULT_QUEUE ? QUEUES.runs : `${QUEUES.runs}-${queue}`;
}

/**
 * BullMQ's priority of a run's job. Every job carries one: BullMQ takes a job without a priority before every
 * prioritized one, so a default-priority run left unprioritized would start before a waiting priority-1 run.
 * Prioritized jobs start lowest first, and in the order they were added within one priority.
 */
export function jobPriority(priority: number): number {
  return Math.min(10, Math.max(1, Math.trunc(priority)));
}
