import { z } from "zod";
import { QueueDepth } from "../jobs/queue-depth";
import { RunThroughputResponse } from "../runs/run-throughput";
import { RoutingQueueJson } from "../flow/list-routing-queues";

/** `GET /api/system/queues`: the job counts of every queue, the routing queues and the runs finished per minute. */
export const SystemQueuesResponse = z.strictObject({
  queues: z.array(QueueDepth),
  routing: z.array(RoutingQueueJson).meta({
    description:
      "Beyond Orcheo (docs/flow-control.md): every routing queue (the default one, those workflows route to, those live workers consume, those of pending runs) with its consumers and backlog; `no_consumer` flags a backlog no live worker takes",
  }),
  throughput: RunThroughputResponse.meta({ description: "Runs finished per minute over the last hour, from Postgres" }),
});
export type SystemQueuesResponse = z.output<typeof SystemQueuesResponse>;
