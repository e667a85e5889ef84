import type { NodeType } from "../node-type";

/**
 * The import path for plugin authors: `@switchyard/core/engine/plugins/define-plugin`. A plugin module's default
 * export is one node type (`defineNodeType`) or a plugin of several (`definePlugin`); docs/plugins.md.
 */
export { defineNodeType, NodeError } from "../node-type";
export type { LogLevel, NodeContext, NodeType, RunContext } from "../node-type";

export type NodePlugin = {
  /** Shown beside the module in the start log; errors name the module. */
  name?: string;
  nodeTypes: readonly NodeType<any>[];
};

/** Types the plugin; write each entry with `defineNodeType` so its `run` is checked against its params. */
export function definePlugin(plugin: NodePlugin): NodePlugin {
  return plugin;
}
