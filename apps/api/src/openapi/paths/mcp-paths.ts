import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import { errors, json, text } from "../openapi-common";

const tags = ["MCP"];

/** A JSON-RPC 2.0 message (or a batch); the MCP specification defines the methods and their params. */
const JsonRpcMessage = z.looseObject({
  jsonrpc: z.literal("2.0"),
  id: z.union([z.string(), z.number()]).optional(),
  method: z.string().optional(),
  params: z.unknown().optional(),
});

export const mcpPaths: ZodOpenApiPathsObject = {
  "/mcp": {
    post: {
      operationId: "mcp",
      tags,
      summary: "An MCP request (Streamable HTTP, stateless)",
      description:
        "The Model Context Protocol endpoint (mcp.md): `initialize`, `tools/list`, `tools/call`, `resources/list`, `resources/read`, ... as JSON-RPC 2.0, with `Accept: application/json, text/event-stream`. The answer is an SSE stream carrying the progress notifications of a waiting tool (`trigger_run`, `wait_for_run`) and then the result. No session: every request stands alone. Needs the same Bearer key as `/api` when AUTH_MODE=required (401 before any MCP message is read); each tool calls the REST API with that key, so it needs the scope of the route it uses (a missing scope is a tool error naming it). Off with MCP_ENABLED=false (404).",
      requestBody: { required: true, ...json(z.union([JsonRpcMessage, z.array(JsonRpcMessage)])) },
      responses: {
        200: {
          description: "The JSON-RPC answer, as an SSE stream (`text/event-stream`) or JSON",
          content: { "text/event-stream": { schema: z.string() }, "application/json": { schema: JsonRpcMessage } },
        },
        202: text("A notification or response was accepted (no answer)"),
        ...errors(400, 401, [406, "Accept allows neither application/json nor text/event-stream"], 415, 429),
      },
    },
    get: {
      operationId: "mcpStream",
      tags,
      summary: "No server-initiated stream (405)",
      description: "Stateless: there is no stream of server-initiated messages to open.",
      responses: errors(401, 405),
    },
    delete: {
      operationId: "mcpSessionEnd",
      tags,
      summary: "No session to end (405)",
      description: "Stateless: there is no session to terminate.",
      responses: errors(401, 405),
    },
  },
};
