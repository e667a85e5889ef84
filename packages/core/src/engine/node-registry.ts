import type { NodeType } from "./node-type";
import { failNode } from "./nodes/fail-node";
import { httpRequestNode } from "./nodes/http-request-node";
import { logNode } from "./nodes/log-node";
import { setNode } from "./nodes/set-node";
import { transformNode } from "./nodes/transform-node";

/** Node types by name. Each entry's own schema checks its params, so the map holds them type-erased. */
export type NodeRegistry = ReadonlyMap<string, NodeType<any>>;

export const BUILTIN_NODE_TYPES: readonly NodeType<any>[] = [
  setNode,
  transformNode,
  logNode,
  failNode,
  httpRequestNode,
];

/** The built-in types plus `extra` (plugins); a duplicate name is a startup error, never a silent override. */
export function createNodeRegistry(extra: readonly NodeType<any>[] = []): NodeRegistry {
  const registry = new Map<string, NodeType<any>>();
  for (const nodeType of [...BUILTIN_NODE_TYPES, ...extra]) {
    if (registry.has(nodeType.type)) throw new Error(`node type '${nodeType.type}' is registered twice`);
    registry.set(nodeType.type, nodeType);
  }
  return registry;
}
