import type { Dispatcher } from "undici";
import { errorMessage } from "../errors";
import { signDelivery } from "./sign-delivery";

/** Bytes of a receiver's answer read at most; the rest is never received (the connection is closed). */
export const MAX_RESPONSE_BYTES = 64 * 1024;

export type SendResult = { ok: boolean; responseCode: number | null; durationMs: number; error: string | null };

export type SendOptions = {
  dispatcher: Dispatcher;
  /** The whole attempt's bound: connecting, the answer's head and the part of its body read. */
  timeoutMs: number;
  /**
   * The attempt's deadline, when several attempts that start together share one (AbortSignal.timeout of timeoutMs,
   * made when they started); otherwise each attempt makes its own.
   */
  signal?: AbortSignal;
  now?: () => Date;
};

/**
 * One attempt: POSTs the body, signed, and reads at most MAX_RESPONSE_BYTES of the answer. 2xx is a success;
 * anything else (3xx too: redirects are not followed), a network error or the timeout is a failure. Never throws.
 */
export async function sendDelivery(
  delivery: { id: string; url: string; secret: string; body: string },
  options: SendOptions,
): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const headers = {
    "content-type": "application/json",
    "user-agent": "switchyard-webhooks",
    ...signDelivery(delivery.secret, delivery.id, delivery.body, (options.now ?? (() => new Date()))()),
  };
  const signal = options.signal ?? AbortSignal.timeout(options.timeoutMs);
  try {
    const res = await options.dispatcher.request({
      ...target(delivery.url),
      method: "POST",
      headers,
      body: delivery.body,
      signal,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    let read = 0;
    try {
      for await (const chunk of res.body) {
        read += (chunk as Buffer).byteLength;
        if (read >= MAX_RESPONSE_BYTES) break;
      }
    } catch {
      // The status decides; an answer body cut short (or still arriving at the timeout) does not.
    } finally {
      if (!res.body.destroyed) res.body.destroy();
    }
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    return { ok, responseCode: res.statusCode, durationMs: elapsed(), error: ok ? null : `HTTP ${res.statusCode}` };
  } catch (err) {
    const error = signal.aborted ? `no answer within ${options.timeoutMs} ms` : errorMessage(err);
    return { ok: false, responseCode: null, durationMs: elapsed(), error: error.slice(0, 500) };
  }
}

/** A subscription's URL as the dispatcher takes it, parsed once per URL (a busy subscription sends thousands). */
const targets = new Map<string, { origin: string; path: string }>();

function target(url: string): { origin: string; path: string } {
  let t = targets.get(url);
  if (t === undefined) {
    const u = new URL(url);
    t = { origin: u.origin, path: `${u.pathname}${u.search}` };
    if (targets.size >= 1_000) targets.clear();
    targets.set(url, t);
  }
  return t;
}
