import type { NodeRegistry } from "../engine/node-registry";
import { validateGraph } from "../engine/validate-graph";
import { ValidationError } from "../errors";

/** Rejects an invalid graph with 422; each problem's message names the node and the problem. */
export function assertValidGraph(graph: unknown, registry: NodeRegistry): void {
  const problems = validateGraph(graph, registry);
  if (problems.length > 0) {
    throw new ValidationError(
      problems.map((p) => ({ loc: ["body", "graph", ...p.path], msg: p.message, type: "graph_invalid" })),
    );
  }
}
