import { readFile } from "node:fs/promises";
import { installWorkflowBundle, type ApiCall } from "@switchyard/core/workflows/install-workflow-bundle";
import { parseWorkflowBundle } from "@switchyard/core/workflows/workflow-bundle";

/**
 * `switchyard load <file> [--set NAME=VALUE]...`: installs a workflow file (examples/*.json) through the API.
 * Returns the lines to print: what was created and how to trigger it.
 */
export async function loadWorkflowFile(
  api: ApiCall,
  apiUrl: string,
  file: string,
  sets: readonly string[],
): Promise<string[]> {
  const values: Record<string, string> = {};
  for (const set of sets) {
    const eq = set.indexOf("=");
    if (eq <= 0) throw new Error(`--set takes NAME=VALUE, not '${set}'`);
    values[set.slice(0, eq)] = set.slice(eq + 1);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    throw new Error(`${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const bundle = parseWorkflowBundle(raw, values);
  const installed = await installWorkflowBundle(api, bundle);
  const ref = installed.workflow.handle ?? installed.workflow.id;
  const lines = [
    `workflow ${installed.workflow.id} ${ref} (${installed.workflow.created ? "created" : "existing"})`,
    `version ${installed.version.version} ${installed.version.id}`,
  ];
  if (installed.webhook) lines.push(`webhook ${apiUrl}/api/workflows/${ref}/triggers/webhook`);
  const cron = bundle.triggers.cron;
  if (installed.cron && cron !== undefined) {
    lines.push(`cron ${String(cron.expression ?? "0 * * * *")} ${String(cron.timezone ?? "UTC")}`);
  }
  for (const key of installed.flow) lines.push(`${key} ${JSON.stringify(bundle.flow[key])}`);
  const manual = bundle.triggers.manual;
  if (manual !== undefined) {
    lines.push(`run it: switchyard trigger ${ref} --input '${JSON.stringify(manual.input_payload ?? {})}'`);
  }
  return lines;
}
