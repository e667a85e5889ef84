import { z } from "zod";
import { JsonObject } from "../http/json-object";

const UUID_LIKE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const WorkflowHandle = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, "handle must be 1-64 lower-case letters, digits or '-'")
  .refine((h) => !UUID_LIKE.test(h), "handle must not look like a UUID");

const Tags = z.array(z.string().min(1).max(64)).max(50);

export const CreateWorkflowBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  handle: WorkflowHandle.nullish(),
  slug: z.string().max(200).nullish().meta({
    description:
      "Orcheo's slug, kept as slugify(slug, else name) and returned as `slug`. Not unique and not an address: the handle is",
  }),
  description: z.string().max(10_000).nullish(),
  tags: Tags.default([]),
  actor: z.string().max(200).optional(),
});

export const UpdateWorkflowBody = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  description: z.string().max(10_000).nullish(),
  tags: Tags.optional(),
  is_archived: z.boolean().optional(),
  actor: z.string().max(200).optional(),
});

/** Known keys are checked; other keys are kept for node types and future options. */
export const RunnableConfig = z
  .looseObject({
    max_parallel: z.number().int().min(1).max(64).optional(),
    timeout_seconds: z
      .number()
      .positive()
      .max(7 * 24 * 3600)
      .optional(),
  })
  .nullish();

export const CreateVersionBody = z.strictObject({
  graph: JsonObject,
  metadata: JsonObject.default({}),
  runnable_config: RunnableConfig,
  notes: z.string().max(10_000).nullish(),
  created_by: z.string().min(1).max(200).default("system"),
});

export const ListWorkflowsQuery = z.object({
  include_archived: z.stringbool().default(false).meta({ description: "true / false (also 1 / 0, yes / no)" }),
});
