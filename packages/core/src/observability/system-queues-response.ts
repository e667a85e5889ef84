import { z } from "zod";
import { QueueDepth } from "../jobs/queue-depth";
import { RunThroughputResponse } from "../runs/run-throughput";

/** `GET /api/system/queues`: the job counts of every queue and the runs finished per minute. */
export const SystemQueuesResponse = z.strictObject({
  queues: z.array(QueueDepth),
  throughput: RunThroughputResponse.meta({ description: "Runs finished per minute over the last hour, from Postgres" }),
});
export type SystemQueuesResponse = z.output<typeof SystemQueuesResponse>;
