import { z } from "zod";
import { Timestamp } from "../timestamp";

/** What the API answers for workflows and versions (see run-response.ts for why these are zod schemas). */
export const WorkflowResponse = z.strictObject({
  id: z.uuid(),
  handle: z.string().nullable(),
  slug: z.string().meta({ description: "Orcheo's slug: slugify(slug, else name) at creation; not an address" }),
  name: z.string(),
  description: z.string().nullable(),
  tags: z.array(z.string()),
  is_archived: z.boolean(),
  latest_version: z.number().int().nullable(),
  is_scheduled: z.boolean().meta({ description: "true when a cron trigger is configured" }),
  created_at: Timestamp.nullable(),
  updated_at: Timestamp.nullable(),
});
export type WorkflowResponse = z.output<typeof WorkflowResponse>;

export const VersionResponse = z.strictObject({
  id: z.uuid(),
  workflow_id: z.uuid(),
  version: z.number().int().meta({ description: "1, 2, 3, ... per workflow" }),
  graph: z.unknown(),
  metadata: z.unknown(),
  runnable_config: z.unknown(),
  notes: z.string().nullable(),
  created_by: z.string(),
  created_at: Timestamp.nullable(),
  updated_at: Timestamp.nullable(),
});
export type VersionResponse = z.output<typeof VersionResponse>;

export const VersionDiffResponse = z.strictObject({
  base_version: z.number().int(),
  target_version: z.number().int(),
  diff: z.array(z.string()).meta({ description: "Unified diff lines of the pretty-printed graphs" }),
});
export type VersionDiffResponse = z.output<typeof VersionDiffResponse>;
