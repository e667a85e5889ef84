import { createCodeSandbox, type CodeSandbox } from "./code/code-sandbox";
import type { NodeType } from "./node-type";
import { createCodeNode } from "./nodes/code-node";
import { delayNode } from "./nodes/delay-node";
import { waitForSignalNode } from "./nodes/wait-for-signal-node";
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
  delayNode,
  waitForSignalNode,
];

/** Names a plugin may not take. */
export const BUILTIN_TYPE_NAMES: ReadonlySet<string> = new Set([...BUILTIN_NODE_TYPES.map((t) => t.type), "code"]);

/**
 * The built-in types plus `extra` (plugins); a duplicate name is a startup error, never a silent override. The
 * `code` type runs in `sandbox`: a process's own, built from its config (boot-node-registry.ts), or by default one
 * with the default limits, which starts no thread until code runs (validation never runs code).
 */
export function createNodeRegistry(extra: readonly NodeType<any>[] = [], sandbox?: CodeSandbox): NodeRegistry {
  const registry = new Map<string, NodeType<any>>();
  const code = createCodeNode(sandbox ?? createCodeSandbox());
  for (const nodeType of [...BUILTIN_NODE_TYPES, code, ...extra]) {
    if (registry.has(nodeType.type)) throw new Error(`node type '${nodeType.type}' is registered twice`);
    registry.set(nodeType.type, nodeType);
  }
  return registry;
}
