import type { Agent, Headers as UndiciHeaders } from "undici";
import { createAddressPolicy, AddressRefusedError } from "../http/address-policy";
import { createByteBudget } from "../http/byte-budget";
import { createGuardedAgent } from "../http/create-guarded-agent";
import { describe, fetchFollowingRedirects } from "../http/fetch-following-redirects";
import { createHttpRequestParams } from "../http/http-request-params";
import type { HttpRequestOptions } from "../http/http-request-options";
import { assertDeclaredLength, readCappedBody } from "../http/read-capped-body";
import { defineNodeType, NodeError, type NodeContext } from "../node-type";

/** The response head (status line and headers) read at most, and the most header fields kept. */
export const MAX_RESPONSE_HEADER_BYTES = 32 * 1024;
export const MAX_RESPONSE_HEADERS = 256;

const MiB = 1024 * 1024;

/**
 * `http.request`: `{status, headers, body}`, and an unexpected status fails the node. Bounded on every side
 * (docs/security.md, Outgoing HTTP from workflows): the body by `max_response_bytes` and by this process's budget
 * for bodies in flight, the head by size and count, the addresses it may connect to by `options` (checked at
 * connect time, on every redirect hop, which the node follows itself). It sends an Idempotency-Key that stays the
 * same across retries and takeovers (docs/reliability.md).
 */
export function createHttpRequestNode(options: HttpRequestOptions) {
  const policy = createAddressPolicy(options);
  const budget = createByteBudget(options.responseBudgetMb * MiB);
  const budgetName = `HTTP_REQUEST_RESPONSE_BUDGET_MB=${options.responseBudgetMb}`;
  let agent: Promise<Agent> | null = null;
  const agentOf = () =>
    (agent ??= createGuardedAgent({
      policy,
      maxHeaderBytes: MAX_RESPONSE_HEADER_BYTES,
      ...(options.resolveHost !== undefined && { resolveHost: options.resolveHost }),
    }));

  return defineNodeType({
    type: "http.request",
    params: createHttpRequestParams(options.maxResponseBytesCeiling),
    sideEffects: true,
    run: async (params, ctx, signal) => {
      const { Headers } = await import("undici");
      const url = new URL(params.url);
      for (const [k, v] of Object.entries(params.query)) if (v !== null) url.searchParams.append(k, String(v));
      const headers = new Headers(Object.entries(params.headers).map(([k, v]) => [k, String(v)]));
      let body: string | undefined;
      if (params.body !== undefined && params.body !== null) {
        if (typeof params.body === "string") {
          body = params.body;
        } else {
          body = JSON.stringify(params.body);
          if (!headers.has("content-type")) headers.set("content-type", "application/json");
        }
      }
      const key = idempotencyKeyOf(params.idempotency_key, ctx);
      if (key !== null && !headers.has("idempotency-key")) headers.set("idempotency-key", key);
      // Aborted on any failure, so a body read past its cap closes its connection and is never received in full.
      const stop = new AbortController();
      const requestSignal = AbortSignal.any([signal, AbortSignal.timeout(params.timeout_seconds * 1_000), stop.signal]);
      const lease = budget.lease();
      try {
        const { response, url: answered } = await fetchFollowingRedirects(
          { url, method: params.method, headers, body },
          { agent: await agentOf(), maxRedirects: params.max_redirects, signal: requestSignal },
        );
        assertHeaderCount(response.headers);
        if (!isExpected(response.status, params.expect_status)) {
          throw new NodeError(`unexpected status ${response.status} from ${params.method} ${describe(answered)}`);
        }
        assertDeclaredLength(response.headers, params.max_response_bytes);
        const text = await readCappedBody(response.body, { maxBytes: params.max_response_bytes, lease, budgetName });
        return {
          status: response.status,
          headers: Object.fromEntries(response.headers),
          body: parseBody(text, params.response, response.headers.get("content-type")),
        };
      } catch (err) {
        stop.abort();
        throw failureOf(err, signal, params.timeout_seconds);
      } finally {
        lease.release();
      }
    },
  });
}

/** `true`: `<run id>:<node id>`, the same for every try, attempt and worker that executes this node of this run. */
function idempotencyKeyOf(param: boolean | string, ctx: NodeContext): string | null {
  if (param === false) return null;
  return param === true ? `${ctx.context.run.id}:${ctx.nodeId}` : param;
}

function assertHeaderCount(headers: UndiciHeaders): void {
  let count = 0;
  for (const _ of headers) {
    if (++count > MAX_RESPONSE_HEADERS) throw new NodeError(`response has more than ${MAX_RESPONSE_HEADERS} headers`);
  }
}

/** The node's failure for what the request threw; the run's own abort (cancel, its timeout) passes unchanged. */
function failureOf(err: unknown, runSignal: AbortSignal, timeoutSeconds: number): unknown {
  if (runSignal.aborted || err instanceof NodeError) return err;
  if (err instanceof Error && err.name === "TimeoutError") {
    return new NodeError(`request timed out after ${timeoutSeconds} seconds`);
  }
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause instanceof AddressRefusedError) return new NodeError(`request refused: ${cause.message}`);
  if ((cause as { code?: unknown } | undefined)?.code === "UND_ERR_HEADERS_OVERFLOW") {
    return new NodeError(`response headers exceed ${MAX_RESPONSE_HEADER_BYTES} bytes`);
  }
  const because = cause instanceof Error ? `: ${cause.message}` : "";
  return new NodeError(`request failed: ${err instanceof Error ? err.message : String(err)}${because}`);
}

function isExpected(status: number, expect: number | number[] | undefined): boolean {
  if (expect === undefined) return status >= 200 && status < 300;
  return Array.isArray(expect) ? expect.includes(status) : status === expect;
}

function parseBody(text: string, mode: "auto" | "json" | "text", contentType: string | null): unknown {
  if (mode === "text") return text;
  const json = mode === "json" || /[/+]json\b/i.test(contentType ?? "");
  if (!json) return text;
  if (text.trim() === "") return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // `auto` trusts the content type only as far as the body allows; an explicit `json` does not bend.
    if (mode === "auto") return text;
    throw new NodeError("response body is not valid JSON");
  }
}
