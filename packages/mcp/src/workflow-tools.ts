import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { NotFoundError, type SwitchyardClient } from "@switchyard/client";
import { GetWorkflowArgs, ListWorkflowsArgs } from "./tool-arguments";
import { callApi, jsonResult } from "./tool-kit";

/** A workflow with its latest version (graph included) and its trigger configs: get_workflow and its resource. */
export async function describeWorkflow(client: SwitchyardClient, ref: string, signal?: AbortSignal) {
  const workflow = await client.workflows.get(ref, { signal });
  const [latest, webhook, cron] = await Promise.all([
    workflow.latest_version === null
      ? null
      : client.workflows.versions.get(workflow.id, workflow.latest_version, { signal }),
    client.workflows.webhook.getConfig(workflow.id, { signal }),
    client.workflows.cron.getConfig(workflow.id, { signal }).catch((err: unknown) => {
      if (err instanceof NotFoundError) return null;
      throw err;
    }),
  ]);
  return { workflow, latest_version: latest, triggers: { webhook, cron } };
}

export function registerWorkflowTools(server: McpServer, client: SwitchyardClient): void {
  server.registerTool(
    "list_workflows",
    {
      title: "List workflows",
      description: "The workflows: id, handle, name, latest version number, whether a cron trigger is set.",
      inputSchema: ListWorkflowsArgs,
      annotations: { readOnlyHint: true },
    },
    async (args, extra) => {
      const workflows = await callApi("list_workflows", "read", () =>
        client.workflows.list({ include_archived: args.include_archived }, { signal: extra.signal }),
      );
      return jsonResult({ workflows });
    },
  );

  server.registerTool(
    "get_workflow",
    {
      title: "Get a workflow",
      description:
        "A workflow with its latest version (the graph: nodes and edges) and its triggers (webhook config, cron config or null).",
      inputSchema: GetWorkflowArgs,
      annotations: { readOnlyHint: true },
    },
    async (args, extra) =>
      jsonResult(await callApi("get_workflow", "read", () => describeWorkflow(client, args.workflow, extra.signal))),
  );
}
