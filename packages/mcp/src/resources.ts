import { ResourceTemplate, type McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { SwitchyardClient } from "@switchyard/client";
import { callApi } from "./tool-kit";
import { withResult } from "./wait-for-outcome";
import { describeWorkflow } from "./workflow-tools";

const json = (uri: URL, value: unknown) => ({
  contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(value) }],
});

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? "";

export function registerResources(server: McpServer, client: SwitchyardClient): void {
  server.registerResource(
    "run",
    new ResourceTemplate("switchyard://runs/{run_id}", { list: undefined }),
    { title: "A run", description: "The run's JSON, as get_run answers it", mimeType: "application/json" },
    async (uri, vars, extra) =>
      json(
        uri,
        withResult(
          await callApi("run resource", "read", () => client.runs.get(one(vars.run_id), { signal: extra.signal })),
        ),
      ),
  );

  server.registerResource(
    "workflow",
    new ResourceTemplate("switchyard://workflows/{ref}", {
      list: async (extra) => {
        const workflows = await callApi("workflow resources", "read", () =>
          client.workflows.list({}, { signal: extra.signal }),
        );
        return {
          resources: workflows.map((w) => ({
            uri: `switchyard://workflows/${w.handle ?? w.id}`,
            name: w.name,
            mimeType: "application/json",
          })),
        };
      },
    }),
    {
      title: "A workflow",
      description: "The workflow with its latest graph and triggers, as get_workflow answers it",
      mimeType: "application/json",
    },
    async (uri, vars, extra) =>
      json(
        uri,
        await callApi("workflow resource", "read", () =>
          describeWorkflow(client, decodeURIComponent(one(vars.ref)), extra.signal),
        ),
      ),
  );
}
