import { Router } from "express";
import type { Deps } from "@switchyard/core/deps";
import { getQueueDepths } from "@switchyard/core/jobs/queue-depth";
import { getRunThroughput } from "@switchyard/core/runs/run-throughput";
import { type SystemQueuesResponse } from "@switchyard/core/observability/system-queues-response";
import { listRoutingQueues } from "@switchyard/core/flow/list-routing-queues";

const THROUGHPUT_MINUTES = 60;

/** Queue depth (BullMQ, bounded by a short timeout), routing queues and runs finished per minute (Postgres). */
export function systemQueueRoutes({ db, queues, config }: Deps): Router {
  const router = Router();
  router.get("/system/queues", async (_req, res) => {
    const now = new Date();
    const [depths, routing, throughput] = await Promise.all([
      getQueueDepths(queues),
      listRoutingQueues({ db, queues }, { now, heartbeatSeconds: config.RUN_LEASE_HEARTBEAT_SECONDS }),
      getRunThroughput(db, now, THROUGHPUT_MINUTES),
    ]);
    res.json({ queues: depths, routing, throughput } satisfies SystemQueuesResponse);
  });
  return router;
}
