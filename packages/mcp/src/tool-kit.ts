import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { CallToolResult, ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";
import { ForbiddenError, SwitchyardError, ValidationError } from "@switchyard/client";

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** The scope an API key needs for a tool (docs/security.md); null: the tool calls no API. */
export type ToolScope = "read" | "trigger" | "admin" | null;

/** A tool's answer: the value as structured content, and the same JSON as text for clients that read only text. */
export function jsonResult(value: Record<string, unknown>): CallToolResult {
  return { structuredContent: value, content: [{ type: "text", text: JSON.stringify(value) }] };
}

/**
 * Runs a tool's API calls; an API error becomes an error the agent can act on (the SDK answers it as a tool error,
 * `isError: true`): a 403 names the scope the tool needs, a 422 each problem with where it is.
 */
export async function callApi<T>(tool: string, scope: ToolScope, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new Error(describeFailure(tool, scope, err), { cause: err });
  }
}

function describeFailure(tool: string, scope: ToolScope, err: unknown): string {
  if (err instanceof ForbiddenError) {
    return `${tool} needs an API key with the ${scope ?? "admin"} scope (${String(err.detail)})`;
  }
  if (err instanceof ValidationError) {
    const issues = err.issues.map((i) => (i.loc.length > 0 ? `${i.loc.join(".")}: ${i.msg}` : i.msg));
    return `${tool}: invalid request (422): ${issues.join("; ")}`;
  }
  if (err instanceof SwitchyardError) {
    const detail = typeof err.detail === "string" ? err.detail : JSON.stringify(err.detail);
    return err.status === 0 ? `${tool}: ${err.message}` : `${tool}: ${detail} (${err.status})`;
  }
  return `${tool}: ${err instanceof Error ? err.message : String(err)}`;
}

/** Sends `notifications/progress` for the request when its caller asked for them (a progress token). */
export function progressReporter(extra: ToolExtra): (message: string) => Promise<void> {
  const token = extra._meta?.progressToken;
  let progress = 0;
  return async (message) => {
    if (token === undefined) return;
    progress++;
    await extra.sendNotification({
      method: "notifications/progress",
      params: { progressToken: token, progress, message },
    });
  };
}
