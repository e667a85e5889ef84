import type { ReadableStream } from "node:stream/web";
import { NodeError } from "../node-type";
import type { ByteLease } from "./byte-budget";

export type BodyLimits = {
  /** The node's `max_response_bytes`: decoded bytes, so a compressed body is bounded by what it inflates to. */
  maxBytes: number;
  /** The worker's share for this body; refused when the process's bodies in flight would pass its budget. */
  lease: ByteLease;
  /** Names the process budget in the refusal (HTTP_REQUEST_RESPONSE_BUDGET_MB=...). */
  budgetName: string;
};

/** Fails the node, naming the limit, when a Content-Length already says the body is past `maxBytes`. */
export function assertDeclaredLength(headers: { get: (name: string) => string | null }, maxBytes: number): void {
  const encoding = headers.get("content-encoding");
  // A compressed body's length says nothing certain about what it decodes to; the streaming count decides.
  if (encoding !== null && encoding.trim().toLowerCase() !== "identity") return;
  const declared = Number(headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new NodeError(`${exceeds(maxBytes)}: its Content-Length is ${declared} bytes`);
  }
}

/**
 * Reads a (decoded) body as UTF-8 text, counting bytes as they arrive: past `maxBytes`, or when the worker's
 * budget has no room for the next chunk, it stops at once and throws a NodeError naming the limit. The caller
 * aborts the request on any throw, which closes the connection, so the rest is never received.
 */
export async function readCappedBody(body: ReadableStream<Uint8Array> | null, limits: BodyLimits): Promise<string> {
  if (body === null) return "";
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let received = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.byteLength;
      if (received > limits.maxBytes) throw new NodeError(exceeds(limits.maxBytes));
      if (!limits.lease.take(value.byteLength)) {
        throw new NodeError(
          `response bodies being read on this worker exceed its budget (${limits.budgetName}); the node may be retried`,
        );
      }
      text += decoder.decode(value, { stream: true });
    }
    return text + decoder.decode();
  } catch (err) {
    reader.cancel().catch(() => undefined);
    throw err;
  }
}

function exceeds(maxBytes: number): string {
  return `response body exceeds max_response_bytes (${maxBytes} bytes)`;
}
