import type { CliCommand } from "../cli-context";

export const requeueCommand: CliCommand = {
  name: "requeue",
  usage: "  requeue                                        one reconciler pass over stuck pending runs",
  run: async () => {
    // Loaded here only: the other commands need no database or Redis.
    const { bootProcess } = await import("@switchyard/core/process/lifecycle");
    const { createDb } = await import("@switchyard/core/db");
    const { createRedis } = await import("@switchyard/core/redis");
    const { closeQueues, createQueues } = await import("@switchyard/core/jobs/queues");
    const { createReconciler } = await import("@switchyard/core/beat/reconcile-runs");
    const { config, logger } = bootProcess("cli");
    const db = createDb(config);
    const redis = createRedis(config, "producer");
    const queues = createQueues(redis, config.QUEUE_PREFIX);
    try {
      const reconciler = createReconciler({ db, queues, logger }, { afterSeconds: config.RECONCILE_AFTER_SECONDS });
      const enqueued = await reconciler.reconcile();
      console.log(`requeued ${enqueued.length} run(s)`);
      for (const id of enqueued) console.log(id);
      return 0;
    } finally {
      await closeQueues(queues);
      redis.disconnect();
      await db.$disconnect();
    }
  },
};
