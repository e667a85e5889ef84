import { createCodeSandbox, type CodeSandbox } from "./code/code-sandbox";
import type { NodeType } from "./node-type";
import { createCodeNode } from "./nodes/code-node";
import { delayNode } from "./nodes/delay-node";
import { waitForSignalNode } from "./nodes/wait-for-signal-node";
import { failNode } from "./nodes/fail-node";
import { parseConfig } from "../config";
import { httpRequestOptionsOf, type HttpRequestOptions } from "./http/http-request-options";
import { createHttpRequestNode } from "./nodes/http-request-node";
import { logNode } from "./nodes/log-node";
import { respondNode } from "./nodes/respond-node";
import { setNode } from "./nodes/set-node";
import { transformNode } from "./nodes/transform-node";
import { workflowNode } from "./nodes/workflow-node";
import { mapNode } from "./nodes/map-node";

/** Node types by name. Each entry's own schema checks its params, so the map holds them type-erased. */
export type NodeRegistry = ReadonlyMap<string, NodeType<any>>;

export const BUILTIN_NODE_TYPES: readonly NodeType<any>[] = [
  setNode,
  transformNode,
  logNode,
  failNode,
  delayNode,
  waitForSignalNode,
  workflowNode,
  mapNode,
  respondNode,
];

/** Names a plugin may not take. */
export const BUILTIN_TYPE_NAMES: ReadonlySet<string> = new Set([
  ...BUILTIN_NODE_TYPES.map((t) => t.type),
  "code",
  "http.request",
]);

export type NodeRegistryOptions = {
  /** The plugins' types (NODE_PLUGINS); a name that is already taken is a startup error, never a silent override. */
  plugins?: readonly NodeType<any>[];
  /** Where `code` nodes run; by default a pool with the default limits, which starts no thread until code runs. */
  sandbox?: CodeSandbox;
  /** `http.request`'s limits and reach (the HTTP_REQUEST_* settings); their defaults when absent. */
  http?: HttpRequestOptions;
};

/** The built-in types plus the plugins'. A process builds its own from its config: `createConfiguredNodeRegistry`. */
export function createNodeRegistry(options: NodeRegistryOptions = {}): NodeRegistry {
  const registry = new Map<string, NodeType<any>>();
  const code = createCodeNode(options.sandbox ?? createCodeSandbox());
  const http = createHttpRequestNode(options.http ?? httpRequestOptionsOf(parseConfig({})));
  for (const nodeType of [...BUILTIN_NODE_TYPES, code, http, ...(options.plugins ?? [])]) {
    if (registry.has(nodeType.type)) throw new Error(`node type '${nodeType.type}' is registered twice`);
    registry.set(nodeType.type, nodeType);
  }
  return registry;
}
