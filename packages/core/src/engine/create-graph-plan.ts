import type { GraphEdge, GraphNode } from "./graph";
import type { NodeType } from "./node-type";
import type { NodeRegistry } from "./node-registry";
import { hasTemplate } from "./render-template";
import { parseGraph } from "./validate-graph";

export type PlanNode = {
  node: GraphNode;
  type: NodeType<any>;
  /** Position in the graph's node list: ready nodes start in this order. */
  index: number;
  incoming: GraphEdge[];
  outgoing: GraphEdge[];
  /** Params parsed once when they hold no template (most nodes); otherwise rendered and parsed per run. */
  staticParams: { value: unknown } | null;
};

/** A validated graph, indexed for execution. Built once per version and reused by every run of it. */
export type GraphPlan = {
  nodes: PlanNode[];
  byId: Map<string, PlanNode>;
  /** The graph's `output` expression: a succeeded run's `output_payload.result`. */
  output?: string;
};

/** Throws InvalidGraphError when the graph does not validate against the registry. */
export function createGraphPlan(rawGraph: unknown, registry: NodeRegistry): GraphPlan {
  const graph = parseGraph(rawGraph, registry);
  const byId = new Map<string, PlanNode>();
  const nodes = graph.nodes.map((node, index): PlanNode => {
    const type = registry.get(node.type)!;
    const templated = Object.entries(node.params).some(([key, value]) => !isVerbatim(type, key) && hasTemplate(value));
    const parsed = templated ? null : type.params.safeParse(node.params);
    const plan: PlanNode = {
      node,
      type,
      index,
      incoming: [],
      outgoing: [],
      staticParams: parsed?.success === true ? { value: parsed.data } : null,
    };
    byId.set(node.id, plan);
    return plan;
  });
  for (const edge of graph.edges) {
    byId.get(edge.from)!.outgoing.push(edge);
    byId.get(edge.to)!.incoming.push(edge);
  }
  return { nodes, byId, ...(graph.output !== undefined && { output: graph.output }) };
}

export function isVerbatim(type: NodeType<any>, key: string): boolean {
  return (type.expressionParams?.includes(key) ?? false) || (type.rawParams?.includes(key) ?? false);
}
