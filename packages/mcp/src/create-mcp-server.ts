import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { SwitchyardClient } from "@switchyard/client";
import { registerCronTools } from "./cron-tools";
import { registerResources } from "./resources";
import { registerRunTools } from "./run-tools";
import { registerWorkflowTools } from "./workflow-tools";

/**
 * Switchyard's MCP server: its tools and resources, all written over the client library, so a tool does what the
 * REST API does for the client's key (validation, auth, scopes, rate limits), whichever transport carries it:
 * Streamable HTTP at the API's /mcp (the caller's key) or stdio (`switchyard mcp`, SWITCHYARD_API_KEY).
 */
export function createMcpServer(client: SwitchyardClient): McpServer {
  const server = new McpServer(
    { name: "switchyard", title: "Switchyard", version: "0.1.0" },
    {
      instructions:
        "Switchyard runs workflows (graphs of nodes). list_workflows and get_workflow show what exists; trigger_run starts a run (wait_seconds to wait for its result); get_run, list_runs, get_run_steps and wait_for_run follow runs; cancel_run, retry_run and signal_run act on them; preview_cron checks a cron expression.",
    },
  );
  registerWorkflowTools(server, client);
  registerRunTools(server, client);
  registerCronTools(server);
  registerResources(server, client);
  return server;
}
