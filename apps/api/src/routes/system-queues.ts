import { Router } from "express";
import type { Deps } from "@switchyard/core/deps";
import { getQueueDepths } from "@switchyard/core/jobs/queue-depth";
import { getRunThroughput } from "@switchyard/core/runs/run-throughput";
import { type SystemQueuesResponse } from "@switchyard/core/observability/system-queues-response";

const THROUGHPUT_MINUTES = 60;

/** Queue depth (BullMQ, bounded by a short timeout) and runs finished per minute (Postgres). */
export function systemQueueRoutes({ db, queues }: Deps): Router {
  const router = Router();
  router.get("/system/queues", async (_req, res) => {
    const [depths, throughput] = await Promise.all([
      getQueueDepths(queues),
      getRunThroughput(db, new Date(), THROUGHPUT_MINUTES),
    ]);
    res.json({ queues: depths, throughput } satisfies SystemQueuesResponse);
  });
  return router;
}
