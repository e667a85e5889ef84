import { z } from "zod";
import { NodeError, type NodeType } from "../node-type";

/** Same alphabet as the built-ins (`http.request`, `wait_for_signal`). */
const TYPE_NAME = /^[a-z][a-z0-9_.-]{0,63}$/;

export type PluginExport = { name: string | null; nodeTypes: NodeType<any>[]; problems: string[] };

/**
 * Reads a plugin module's default export: one node type, or `{nodeTypes: [...]}`. Every problem is listed (the
 * caller prefixes the module), and the node types that passed come back wrapped by `toPluginNodeType`.
 */
export function checkPluginExport(value: unknown): PluginExport {
  const out: PluginExport = { name: null, nodeTypes: [], problems: [] };
  if (value === undefined) {
    out.problems.push("has no default export: export default defineNodeType({...}) or definePlugin({...})");
    return out;
  }
  if (typeof value !== "object" || value === null) {
    out.problems.push(
      `its default export is ${value === null ? "null" : `a ${typeof value}`}, not a node type or a plugin`,
    );
    return out;
  }
  const record = value as Record<string, unknown>;
  let entries: unknown[];
  if ("nodeTypes" in record) {
    if (!Array.isArray(record.nodeTypes) || record.nodeTypes.length === 0) {
      out.problems.push("nodeTypes must be a non-empty list of node types");
      return out;
    }
    if (typeof record.name === "string") out.name = record.name;
    entries = record.nodeTypes;
  } else if ("type" in record || "run" in record) {
    entries = [record];
  } else {
    out.problems.push(
      "its default export is neither a node type ({type, params, sideEffects, run}) nor a plugin ({nodeTypes: [...]})",
    );
    return out;
  }
  const seen = new Set<string>();
  entries.forEach((entry, i) => {
    const problems = checkNodeType(entry, `nodeTypes[${i}]`);
    if (problems.length > 0) return out.problems.push(...problems);
    const nodeType = entry as NodeType<any>;
    if (seen.has(nodeType.type)) return out.problems.push(`node type '${nodeType.type}' is defined twice`);
    seen.add(nodeType.type);
    out.nodeTypes.push(toPluginNodeType(nodeType));
  });
  return out;
}

function checkNodeType(value: unknown, position: string): string[] {
  if (typeof value !== "object" || value === null) return [`${position} is not a node type object`];
  const t = value as Record<string, unknown>;
  if (typeof t.type !== "string" || !TYPE_NAME.test(t.type)) {
    const got = typeof t.type === "string" ? `'${t.type}'` : "missing";
    return [
      `${position}: type must be 1-64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter (got ${got})`,
    ];
  }
  const label = `node type '${t.type}'`;
  const problems: string[] = [];
  if (!(t.params instanceof z.ZodType))
    problems.push(`${label}: params is not a zod schema (use z.strictObject({...}))`);
  if (typeof t.run !== "function") problems.push(`${label}: run is not a function`);
  if (typeof t.sideEffects !== "boolean") problems.push(`${label}: sideEffects must be true or false`);
  for (const key of ["expressionParams", "rawParams"] as const) {
    const list = t[key];
    if (list !== undefined && !(Array.isArray(list) && list.every((k) => typeof k === "string"))) {
      problems.push(`${label}: ${key} must be a list of param names`);
    }
  }
  return problems;
}

/**
 * The executor's contract, enforced around code it does not control: `run` always returns a promise, and the
 * output is JSON, as the step stores it, so successors see exactly what a resumed run reads back from its
 * checkpoint. An output JSON cannot hold (a BigInt, a cycle) fails the node, not the step's write.
 */
function toPluginNodeType(nodeType: NodeType<any>): NodeType<any> {
  const run = nodeType.run;
  return {
    type: nodeType.type,
    params: nodeType.params,
    sideEffects: nodeType.sideEffects,
    ...(nodeType.expressionParams !== undefined && { expressionParams: [...nodeType.expressionParams] }),
    ...(nodeType.rawParams !== undefined && { rawParams: [...nodeType.rawParams] }),
    run: async (params, ctx, signal) => toJson(await run(params, ctx, signal)),
  };
}

function toJson(output: unknown): unknown {
  if (output === undefined) return null;
  let text: string | undefined;
  try {
    text = JSON.stringify(output);
  } catch (err) {
    throw new NodeError(`output is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  return text === undefined ? null : (JSON.parse(text) as unknown);
}
