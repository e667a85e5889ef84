import { z } from "zod";

export const NODE_ID = /^[a-z0-9_-]{1,64}$/;

/**
 * Ids that name object internals rather than data: as keys of `steps` (and in expressions over it) they would
 * read or replace what every object inherits. The pattern above already keeps out the camel-case members
 * (`hasOwnProperty`, `toString`, `valueOf`); these are the ones it lets through, plus `prototype`.
 */
export const RESERVED_NODE_IDS: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Object.prototype).filter((name) => NODE_ID.test(name)),
  "__proto__",
  "constructor",
  "prototype",
]);

/** Retries within the run: exponential backoff with jitter (workflow-graph.md, Nodes and edges). */
export const NodeRetry = z.strictObject({
  max_attempts: z.number().int().min(1).max(100).default(1),
  initial_delay_seconds: z.number().min(0).max(86_400).default(1),
  backoff_factor: z.number().min(1).max(100).default(2),
  max_delay_seconds: z.number().min(0).max(86_400).default(300),
  jitter_factor: z.number().min(0).max(1).default(0.1),
});
export type NodeRetry = z.infer<typeof NodeRetry>;

/** Unknown keys are kept (editors store labels and positions beside the node). */
export const GraphNode = z.looseObject({
  id: z
    .string()
    .regex(NODE_ID, "id must be 1-64 characters of a-z, 0-9, _ or -")
    .refine((id) => !RESERVED_NODE_IDS.has(id), "id names an object internal (__proto__, constructor, prototype)"),
  type: z.string().min(1),
  params: z.record(z.string(), z.unknown()).default({}),
  retry: NodeRetry.default(NodeRetry.parse({})),
  timeout_seconds: z
    .number()
    .positive()
    .max(7 * 86_400)
    .optional(),
  continue_on_error: z.boolean().default(false),
});
export type GraphNode = z.infer<typeof GraphNode>;

export const GraphEdge = z.looseObject({
  from: z.string(),
  to: z.string(),
  when: z.string().min(1).optional(),
});
export type GraphEdge = z.infer<typeof GraphEdge>;

export const GraphShape = z.looseObject({
  nodes: z.array(z.unknown()).min(1, "graph.nodes must be a non-empty list"),
  edges: z.array(z.unknown()).default([]),
  /** The run's result: a JSONata expression over the run context, evaluated when the run succeeds. */
  output: z.string().min(1, "graph.output must be a non-empty expression").max(100_000).optional(),
});

export type Graph = { nodes: GraphNode[]; edges: GraphEdge[]; output?: string };
