import type { CliCommand } from "../cli-context";

export const mcpCommand: CliCommand = {
  name: "mcp",
  usage:
    "  mcp                                            an MCP server on stdio (API_URL, SWITCHYARD_API_KEY): docs/mcp.md",
  run: async ({ client }) => {
    // Loaded here only: the other commands need no MCP SDK.
    const { StdioServerTransport } = await import("@modelcontextprotocol/sdk/server/stdio.js");
    const { createMcpServer } = await import("@switchyard/mcp/create-mcp-server");
    const server = createMcpServer(client());
    // stdout carries the protocol: nothing else may be written there from here on.
    const closed = new Promise<void>((resolve) => {
      server.server.onclose = resolve;
      process.stdin.once("end", resolve);
    });
    await server.connect(new StdioServerTransport());
    await closed;
    await server.close();
    return 0;
  },
};
