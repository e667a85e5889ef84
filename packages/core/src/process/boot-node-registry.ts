import type { Config } from "../config";
import type { Logger } from "../logger";
import { httpRequestOptionsOf } from "../engine/http/http-request-options";
import { codeSandboxOptions, createCodeSandbox } from "../engine/code/code-sandbox";
import { createNodeRegistry, type NodeRegistry } from "../engine/node-registry";
import type { NodeType } from "../engine/node-type";
import { loadNodePlugins, PluginError } from "../engine/plugins/load-node-plugins";

/**
 * The node registry of an api or worker: built-ins plus the `NODE_PLUGINS` types, code nodes bounded by the
 * CODE_* variables (the sandbox starts no thread until code runs, so the api never does). A bad plugin ends the process
 * as a bad variable does (exit 2, the problems on stderr), before it takes any traffic.
 */
export async function bootNodeRegistry(service: string, config: Config, logger: Logger): Promise<NodeRegistry> {
  try {
    await registerTypeScriptLoader(config.NODE_PLUGINS);
    const plugins = await loadNodePlugins(config.NODE_PLUGINS);
    if (plugins.length > 0) {
      logger.info("node plugins loaded", {
        plugins: plugins.map((p) => (p.name === null ? p.module : `${p.module} (${p.name})`)),
        nodeTypes: plugins.flatMap((p) => p.nodeTypes.map((t) => t.type)),
      });
    }
    return createConfiguredNodeRegistry(
      config,
      logger,
      plugins.flatMap((p) => p.nodeTypes),
    );
  } catch (err) {
    if (err instanceof PluginError) {
      process.stderr.write(`${service}: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/**
 * A process's registry: the built-ins bounded by its config (CODE_* for the code sandbox, HTTP_REQUEST_* for
 * http.request) plus `plugins`.
 */
export function createConfiguredNodeRegistry(
  config: Config,
  logger: Logger,
  plugins: readonly NodeType<any>[] = [],
): NodeRegistry {
  return createNodeRegistry({
    plugins,
    sandbox: createCodeSandbox({ ...codeSandboxOptions(config), logger }),
    http: httpRequestOptionsOf(config),
  });
}

const TYPESCRIPT_FILE = /\.[cm]?tsx?$/;

/**
 * The built processes (dist/, `npm run build`) run JavaScript without a loader: a plugin given as a .ts file gets
 * tsx's loader registered first, and only then, so processes without one do not pay for its thread. From the
 * sources (tests, `tsx`) this module is itself TypeScript and the loader is already there.
 */
async function registerTypeScriptLoader(specs: readonly string[]): Promise<void> {
  if (import.meta.url.endsWith(".ts") || !specs.some((spec) => TYPESCRIPT_FILE.test(spec))) return;
  const { register } = await import("tsx/esm/api");
  register();
}
