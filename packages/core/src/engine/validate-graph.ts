import type { z } from "zod";
import { expressionError } from "./compile-expression";
import { GraphEdge, GraphNode, GraphShape, type Graph } from "./graph";
import type { NodeRegistry } from "./node-registry";
import { listTemplateExpressions, parseTemplate } from "./render-template";

/** One problem in a graph. `message` names the node and reads on its own; `path` is inside the graph. */
export type GraphProblem = { node: string | null; path: (string | number)[]; message: string };

/** Thrown by `parseGraph`; carries every problem so callers can map them (the API: 422). */
export class InvalidGraphError extends Error {
  override name = "InvalidGraphError";
  constructor(readonly problems: GraphProblem[]) {
    super(problems.map((p) => p.message).join("; "));
  }
}

/**
 * Checks a graph against workflow-graph.md and the registry: node ids, known types, params by each type's
 * schema, edges to existing nodes, no cycles, JSONata that compiles. Returns every problem (empty = valid).
 */
export function validateGraph(graph: unknown, registry: NodeRegistry): GraphProblem[] {
  return checkGraph(graph, registry).problems;
}

/** The typed graph, or InvalidGraphError with every problem. */
export function parseGraph(graph: unknown, registry: NodeRegistry): Graph {
  const { problems, parsed } = checkGraph(graph, registry);
  if (problems.length > 0 || parsed === null) throw new InvalidGraphError(problems);
  return parsed;
}

function checkGraph(raw: unknown, registry: NodeRegistry): { problems: GraphProblem[]; parsed: Graph | null } {
  const problems: GraphProblem[] = [];
  const shape = GraphShape.safeParse(raw);
  if (!shape.success) {
    for (const issue of shape.error.issues) {
      problems.push({
        node: null,
        path: toPath(issue.path),
        message: `graph${suffix(toPath(issue.path))}: ${issue.message}`,
      });
    }
    return { problems, parsed: null };
  }
  const nodes: GraphNode[] = [];
  const ids = new Set<string>();
  shape.data.nodes.forEach((rawNode, i) => {
    const rawId = typeof rawNode === "object" && rawNode !== null && "id" in rawNode ? rawNode.id : undefined;
    const label = typeof rawId === "string" && rawId !== "" ? `node '${rawId}'` : `nodes[${i}]`;
    const nodeName = typeof rawId === "string" ? rawId : null;
    const add = (path: (string | number)[], message: string) =>
      problems.push({ node: nodeName, path: ["nodes", i, ...path], message: `${label}: ${message}` });
    // Parsing copies params key by key, which would drop a `__proto__` key without a word.
    const rawParams = typeof rawNode === "object" && rawNode !== null ? (rawNode as { params?: unknown }).params : null;
    if (typeof rawParams === "object" && rawParams !== null && Object.hasOwn(rawParams, "__proto__")) {
      return add(["params", "__proto__"], "params.__proto__: not a param (object internals are not data)");
    }
    const node = GraphNode.safeParse(rawNode);
    if (!node.success) {
      for (const issue of node.error.issues) add(toPath(issue.path), `${dotted(toPath(issue.path))}${issue.message}`);
      return;
    }
    if (ids.has(node.data.id)) return add(["id"], "id is used by another node");
    ids.add(node.data.id);
    const nodeType = registry.get(node.data.type);
    if (nodeType === undefined) return add(["type"], `unknown node type '${node.data.type}'`);
    const params = node.data.params;
    const result = nodeType.params.safeParse(params);
    if (!result.success) {
      for (const issue of result.error.issues) {
        const path = toPath(issue.path);
        // A templated value is only known per run; it is checked against the schema then.
        if (isTemplatedAt(params, path)) continue;
        add(["params", ...path], `params${suffix(path)}: ${issue.message}`);
      }
    }
    const verbatim = new Set([...(nodeType.expressionParams ?? []), ...(nodeType.rawParams ?? [])]);
    for (const key of nodeType.expressionParams ?? []) {
      const source = params[key];
      if (typeof source !== "string") continue;
      const error = expressionError(source);
      if (error !== null) add(["params", key], `params.${key}: invalid expression: ${error}`);
    }
    for (const [key, value] of Object.entries(params)) {
      if (verbatim.has(key)) continue;
      for (const t of listTemplateExpressions(value, [key])) {
        const error = expressionError(t.expression);
        if (error !== null)
          add(["params", ...t.path], `params${suffix(t.path)}: invalid template expression: ${error}`);
      }
    }
    nodes.push(node.data);
  });

  const edges: GraphEdge[] = [];
  shape.data.edges.forEach((rawEdge, i) => {
    const edge = GraphEdge.safeParse(rawEdge);
    if (!edge.success) {
      for (const issue of edge.error.issues) {
        const path = toPath(issue.path);
        problems.push({
          node: null,
          path: ["edges", i, ...path],
          message: `edges[${i}]: ${dotted(path)}${issue.message}`,
        });
      }
      return;
    }
    const { from, to, when } = edge.data;
    const add = (path: (string | number)[], message: string) =>
      problems.push({
        node: ids.has(to) ? to : from,
        path: ["edges", i, ...path],
        message: `edge '${from}' -> '${to}': ${message}`,
      });
    if (!ids.has(from)) add(["from"], `unknown node '${from}'`);
    if (!ids.has(to)) add(["to"], `unknown node '${to}'`);
    if (when !== undefined) {
      const error = expressionError(when);
      if (error !== null) add(["when"], `invalid when expression: ${error}`);
    }
    if (ids.has(from) && ids.has(to)) edges.push(edge.data);
  });

  const output = shape.data.output;
  if (output !== undefined) {
    const error = expressionError(output);
    if (error !== null)
      problems.push({ node: null, path: ["output"], message: `graph.output: invalid expression: ${error}` });
  }

  const cycle = findCycle(nodes, edges);
  if (cycle !== null) {
    const first = cycle[0] ?? "";
    problems.push({
      node: first,
      path: ["edges"],
      message: `node '${first}': edges form a cycle ${cycle.join(" -> ")}`,
    });
  }
  const parsed: Graph = { nodes, edges, ...(output !== undefined && { output }) };
  return { problems, parsed: problems.length === 0 ? parsed : null };
}

/** A cycle as a closed list of node ids (`a -> b -> a`), or null. Iterative DFS: deep chains cannot overflow. */
export function findCycle(nodes: readonly GraphNode[], edges: readonly GraphEdge[]): string[] | null {
  const next = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  for (const e of edges) next.get(e.from)?.push(e.to);
  const state = new Map<string, "open" | "done">();
  for (const start of nodes) {
    if (state.has(start.id)) continue;
    const stack: { id: string; i: number }[] = [{ id: start.id, i: 0 }];
    state.set(start.id, "open");
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const to = next.get(top.id)?.[top.i++];
      if (to === undefined) {
        state.set(top.id, "done");
        stack.pop();
      } else if (state.get(to) === "open") {
        const from = stack.findIndex((s) => s.id === to);
        return [...stack.slice(from).map((s) => s.id), to];
      } else if (!state.has(to)) {
        state.set(to, "open");
        stack.push({ id: to, i: 0 });
      }
    }
  }
  return null;
}

function isTemplatedAt(value: unknown, path: (string | number)[]): boolean {
  let current = value;
  for (let depth = 0; ; depth++) {
    if (typeof current === "string") return parseTemplate(current).kind !== "literal";
    const key = path[depth];
    if (key === undefined || typeof current !== "object" || current === null) return false;
    current = (current as Record<string | number, unknown>)[key];
  }
}

function toPath(path: z.core.$ZodIssue["path"]): (string | number)[] {
  return path.map((p) => (typeof p === "symbol" ? String(p) : p));
}

/** `.a.b[0]` for a path, "" for none. */
function suffix(path: (string | number)[]): string {
  return path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("");
}

function dotted(path: (string | number)[]): string {
  return path.length === 0 ? "" : `${suffix(path).replace(/^\./, "")}: `;
}
