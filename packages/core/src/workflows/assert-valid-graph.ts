import { ValidationError } from "../errors";

/**
 * Rejects an invalid graph with 422, naming the node and the problem.
 * Structural checks only until the engine's validator is wired in.
 */
export function assertValidGraph(graph: Record<string, unknown>): void {
  if (!Array.isArray(graph.nodes) || graph.nodes.length === 0) {
    throw new ValidationError([{ loc: ["body", "graph", "nodes"], msg: "graph.nodes must be a non-empty list", type: "graph_invalid" }]);
  }
}
