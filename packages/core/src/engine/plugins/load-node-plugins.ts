import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { BUILTIN_TYPE_NAMES, createNodeRegistry, type NodeRegistry, type NodeRegistryOptions } from "../node-registry";
import type { NodeType } from "../node-type";
import { checkPluginExport } from "./check-plugin-export";

/** Every problem of every listed module, each line naming its module. */
export class PluginError extends Error {
  override name = "PluginError";
  constructor(readonly problems: string[]) {
    super(`Invalid NODE_PLUGINS:\n${problems.map((p) => `  ${p}`).join("\n")}`);
  }
}

export type LoadedPlugin = { module: string; name: string | null; nodeTypes: NodeType<any>[] };

/**
 * Imports the `NODE_PLUGINS` modules and checks them: a path (relative to `cwd`) or a package name, whose default
 * export is a node type or a plugin. Throws PluginError listing every problem, so a process never starts with
 * part of its node types.
 */
export async function loadNodePlugins(specs: readonly string[], cwd = process.cwd()): Promise<LoadedPlugin[]> {
  const problems: string[] = [];
  const plugins: LoadedPlugin[] = [];
  const owners = new Map<string, string>();
  for (const spec of specs) {
    const fail = (problem: string) => problems.push(`module '${spec}': ${problem}`);
    if (plugins.some((p) => p.module === spec)) {
      fail("is listed twice");
      continue;
    }
    const imported = await importPlugin(spec, cwd);
    if (!imported.ok) {
      fail(imported.problem);
      continue;
    }
    const checked = checkPluginExport(imported.value);
    checked.problems.forEach(fail);
    for (const nodeType of checked.nodeTypes) {
      const owner = owners.get(nodeType.type);
      if (BUILTIN_TYPE_NAMES.has(nodeType.type))
        fail(`node type '${nodeType.type}' collides with a built-in node type`);
      else if (owner !== undefined) fail(`node type '${nodeType.type}' is already defined by module '${owner}'`);
      else owners.set(nodeType.type, spec);
    }
    plugins.push({ module: spec, name: checked.name, nodeTypes: checked.nodeTypes });
  }
  if (problems.length > 0) throw new PluginError(problems);
  return plugins;
}

/**
 * The registry an api or worker validates and executes graphs with: the built-ins (set up by `options`) plus the
 * plugins' types.
 */
export async function loadNodeRegistry(
  specs: readonly string[],
  cwd = process.cwd(),
  options: Omit<NodeRegistryOptions, "plugins"> = {},
): Promise<NodeRegistry> {
  const plugins = await loadNodePlugins(specs, cwd);
  return createNodeRegistry({ ...options, plugins: plugins.flatMap((p) => p.nodeTypes) });
}

type Imported = { ok: true; value: unknown } | { ok: false; problem: string };

/** A spec that starts with `.` or `/`, or names an existing file, is a path; anything else is a package name. */
async function importPlugin(spec: string, cwd: string): Promise<Imported> {
  const path = resolve(cwd, spec);
  const isPath = spec.startsWith(".") || isAbsolute(spec) || existsSync(path);
  if (isPath && !existsSync(path)) return { ok: false, problem: `file not found: ${path}` };
  let mod: Record<string, unknown>;
  try {
    // A package resolves like any dependency of Switchyard (its node_modules).
    mod = (await import(isPath ? pathToFileURL(path).href : spec)) as Record<string, unknown>;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (!isPath && isMissingModule(err, spec)) {
      return { ok: false, problem: `package not found (npm install it beside Switchyard, or give a file path)` };
    }
    return { ok: false, problem: `import failed: ${message}` };
  }
  return { ok: true, value: unwrapDefault(mod.default) };
}

function isMissingModule(err: unknown, spec: string): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") &&
    err instanceof Error &&
    err.message.includes(`'${spec}'`)
  );
}

/** A CommonJS module's `exports.default` arrives one level down. */
function unwrapDefault(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  const record = value as Record<string, unknown>;
  const looksLikeExport = "nodeTypes" in record || "type" in record || "run" in record;
  return !looksLikeExport && "default" in record ? record.default : value;
}
