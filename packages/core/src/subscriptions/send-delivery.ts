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
  /** The attempt's deadline, when several attempts that start together share one; otherwise each makes its own. */
  deadline?: SendDeadline;
  now?: () => Date;
};

/**
 * One deadline for the attempts that start together: one timer, at `ms`, aborts those still running, instead of a
 * timer or an abort listener per attempt. The timer holds no process open (the requests themselves do).
 */
export class SendDeadline {
  readonly #running = new Set<Dispatcher.DispatchController>();
  #expired = false;

  constructor(readonly ms: number) {
    setTimeout(() => {
      this.#expired = true;
      const error = new Error(`no answer within ${ms} ms`);
      for (const controller of this.#running) controller.abort(error);
      this.#running.clear();
    }, ms).unref();
  }

  get expired(): boolean {
    return this.#expired;
  }

  /** The attempt's request is on its way: aborted at the deadline. */
  watch(controller: Dispatcher.DispatchController): void {
    if (this.#expired) controller.abort(new Error(`no answer within ${this.ms} ms`));
    else this.#running.add(controller);
  }

  /** The attempt ended. */
  end(controller: Dispatcher.DispatchController): void {
    this.#running.delete(controller);
  }
}

/**
 * One attempt: POSTs the body, signed, and reads at most MAX_RESPONSE_BYTES of the answer. 2xx is a success;
 * anything else (3xx too: redirects are not followed), a network error or the deadline is a failure. Never throws.
 * It goes through the dispatcher's handler interface: no response stream is made for an answer that is counted and
 * dropped.
 */
export function sendDelivery(
  delivery: { id: string; url: string; signingKey: Buffer; body: string },
  options: SendOptions,
): Promise<SendResult> {
  const started = performance.now();
  const deadline = options.deadline ?? new SendDeadline(options.timeoutMs);
  return new Promise<SendResult>((resolve) => {
    let controller: Dispatcher.DispatchController | undefined;
    let statusCode: number | null = null;
    let read = 0;
    let ended = false;
    const end = (error: string | null) => {
      if (ended) return;
      ended = true;
      if (controller !== undefined) deadline.end(controller);
      const durationMs = Math.round(performance.now() - started);
      if (statusCode === null) {
        const reason = deadline.expired ? `no answer within ${options.timeoutMs} ms` : (error ?? "no answer");
        resolve({ ok: false, responseCode: null, durationMs, error: reason.slice(0, 500) });
        return;
      }
      // The status decides; an answer body cut short (or still arriving at the deadline) does not.
      const ok = statusCode >= 200 && statusCode < 300;
      resolve({ ok, responseCode: statusCode, durationMs, error: ok ? null : `HTTP ${statusCode}` });
    };
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        deadline.watch(c);
      },
      onResponseStart(c, code) {
        // 1xx heads come before the answer's own.
        if (code >= 200) statusCode = code;
      },
      onResponseData(c, chunk) {
        read += chunk.byteLength;
        if (read >= MAX_RESPONSE_BYTES) {
          end(null);
          c.abort(new Error("answer too large"));
        }
      },
      onResponseEnd() {
        end(null);
      },
      onResponseError(_c, err) {
        end(errorMessage(err));
      },
    };
    try {
      options.dispatcher.dispatch(
        {
          ...target(delivery.url),
          method: "POST",
          headers: {
            "content-type": "application/json",
            "user-agent": "switchyard-webhooks",
            ...signDelivery(delivery.signingKey, delivery.id, delivery.body, (options.now ?? (() => new Date()))()),
          },
          body: delivery.body,
          headersTimeout: options.timeoutMs,
          bodyTimeout: options.timeoutMs,
        },
        handler,
      );
    } catch (err) {
      end(errorMessage(err));
    }
  });
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
