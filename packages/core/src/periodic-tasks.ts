import type { Logger } from "./logger";

/**
 * One thing a process does on a timer (the beat's duties, a worker's heartbeat): a name, an interval and an async
 * function. A new duty is one more entry in the list.
 */
export type PeriodicTask = {
  name: string;
  intervalMs: number;
  run: () => Promise<void>;
};

export type PeriodicTasks = { stop: () => Promise<void> };

/** After a failure a task tries again this soon, so a beat started before Redis is up is not silent for long. */
const RETRY_AFTER_FAILURE_MS = 5_000;

/**
 * Runs each task at once, then again `intervalMs` after each run ends: a task never overlaps itself, and a slow
 * run delays the next one instead of stacking. A failure is logged and retried; it never stops the beat.
 * `stop` cancels the timers and waits for runs in progress.
 */
export function startPeriodicTasks(tasks: readonly PeriodicTask[], logger: Logger): PeriodicTasks {
  let stopped = false;
  const timers = new Map<string, NodeJS.Timeout>();
  const inFlight = new Set<Promise<void>>();

  const schedule = (task: PeriodicTask, delayMs: number) => {
    if (stopped) return;
    timers.set(
      task.name,
      setTimeout(() => tick(task), delayMs),
    );
  };

  const tick = (task: PeriodicTask) => {
    const p = task.run().then(
      () => schedule(task, task.intervalMs),
      (err: unknown) => {
        logger.warn("periodic task failed", { task: task.name, err: err instanceof Error ? err.message : String(err) });
        schedule(task, Math.min(task.intervalMs, RETRY_AFTER_FAILURE_MS));
      },
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  for (const task of tasks) tick(task);

  return {
    stop: async () => {
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      await Promise.all([...inFlight]);
    },
  };
}
