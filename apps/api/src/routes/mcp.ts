import express, { type Express, type Request } from "express";
import type { AuthThrottle } from "@switchyard/core/auth/auth-throttle";
import type { Authenticator } from "@switchyard/core/auth/authenticator";
import type { Deps } from "@switchyard/core/deps";
import { AppError } from "@switchyard/core/errors";
import { authenticateApi } from "../middleware/auth";
import { bearerToken } from "../middleware/credentials";

export const MCP_PATH = "/mcp";

/**
 * Where this API process answers the request that came in: its tools call the REST API there, as the caller (the
 * socket's own local address, never a header the caller controls).
 */
function selfUrl(req: Request): string {
  const address = (req.socket.localAddress ?? "127.0.0.1").replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, "$1");
  return `http://${address.includes(":") ? `[${address}]` : address}:${req.socket.localPort}`;
}

/**
 * The MCP server over Streamable HTTP at /mcp (docs/mcp.md), stateless: each POST gets a server of its own whose
 * tools call this API with the caller's own key, so validation, scopes and rate limits are exactly the REST API's.
 * Behind the same authentication as /api: with AUTH_MODE=required a request without a valid key is answered 401
 * before any MCP message is read, so no session can even be initialised. MCP_ENABLED=false mounts nothing (404).
 */
export function mountMcp(app: Express, deps: Deps, authenticator: Authenticator, throttle: AuthThrottle): void {
  if (!deps.config.MCP_ENABLED) return;
  const authenticate = authenticateApi(deps.config, authenticator, throttle);

  app.post(MCP_PATH, authenticate, express.json({ limit: "2mb" }), async (req, res) => {
    // Loaded on the first MCP request: the SDK costs nothing to an API that is never asked.
    const [{ StreamableHTTPServerTransport }, { createMcpServer }, { createClient }] = await Promise.all([
      import("@modelcontextprotocol/sdk/server/streamableHttp.js"),
      import("@switchyard/mcp/create-mcp-server"),
      import("@switchyard/client"),
    ]);
    const server = createMcpServer(createClient({ url: selfUrl(req), token: bearerToken(req.get("authorization")) }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on("close", () => {
      transport.close().catch(() => undefined);
      server.close().catch(() => undefined);
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });

  // Stateless: no stream of server-initiated messages to open (GET) and no session to end (DELETE).
  const notAllowed = () => {
    throw new AppError(405, "method_not_allowed", "Method not allowed: MCP requests are POSTed to /mcp", {
      headers: { Allow: "POST" },
    });
  };
  app.get(MCP_PATH, authenticate, notAllowed);
  app.delete(MCP_PATH, authenticate, notAllowed);
}
