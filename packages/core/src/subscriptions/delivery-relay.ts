import type { Dispatcher } from "undici";
import { coalescePerTurn } from "../coalesce";
import { isDbUnavailable } from "../db-errors";
import type { Deps } from "../deps";
import { createAddressPolicy } from "../engine/http/address-policy";
import { createGuardedAgent } from "../engine/http/create-guarded-agent";
import { errorMessage } from "../errors";
import type { TransitionBatcher } from "../runs/transition-batcher";
import { secretBoxFor } from "../secrets/secret-box";
import {
  claimDueDeliveries,
  pauseDeliveries,
  readOutboxState,
  recordDelivered,
  recordFailed,
  type ClaimedDelivery,
  type DeliveredAttempt,
} from "./delivery-store";
import { DISABLE_AFTER_MS, nextAttemptAt } from "./retry-schedule";
import { sendDelivery, type SendResult } from "./send-delivery";

export type DeliveryRelay = {
  /** Due deliveries may exist now (a batch of transitions was committed): look at once, if anything subscribes. */
  poke: () => void;
  /** Stops claiming and waits for the sends in flight (each bounded by SUBSCRIPTION_TIMEOUT_SECONDS). */
  close: () => Promise<void>;
};

const MAX_HEADER_BYTES = 16 * 1024;

/**
 * The sender of outgoing run events, in the worker process beside (never inside) run execution: it claims due
 * deliveries from the outbox, at most SUBSCRIPTION_CONCURRENCY in flight, sends them, and records each attempt.
 * It looks every SUBSCRIPTION_POLL_MS (the backstop: events written by other processes, retries coming due,
 * claims of a crashed sender expiring), when poked after the worker's own transitions, and when a retry it
 * scheduled comes due. At least once: a delivery leaves the outbox only by a recorded outcome.
 */
export async function startDeliveryRelay(
  deps: Pick<Deps, "config" | "logger" | "db" | "metrics">,
  options: { dispatcher?: Dispatcher } = {},
): Promise<DeliveryRelay> {
  const { config, logger, db, metrics } = deps;
  const concurrency = config.SUBSCRIPTION_CONCURRENCY;
  const timeoutMs = config.SUBSCRIPTION_TIMEOUT_SECONDS * 1_000;
  // Past the send's own bound, with room for recording it: only a sender that died loses its claim.
  const claimSeconds = 2 * config.SUBSCRIPTION_TIMEOUT_SECONDS + 5;
  const scale = config.SUBSCRIPTION_RETRY_SCALE;
  const box = secretBoxFor(config);
  const dispatcher = options.dispatcher ?? (await createDispatcher(deps.config, timeoutMs));

  // The successes of one event-loop turn share one statement (one commit): under load, deliveries finish together.
  const delivered = coalescePerTurn<DeliveredAttempt, boolean>({
    settle: (attempts) => recordDelivered(db, attempts),
    identity: (a) => a.id,
    maxBatch: 200,
    retryAlone: (err) => !isDbUnavailable(err),
  });
  const inFlight = new Set<Promise<void>>();
  let closed = false;
  let subscribed = false;
  let pumping = false;
  let again = false;
  let pokeQueued = false;
  let pollTimer: NodeJS.Timeout | undefined;
  let wakeTimer: { at: number; timer: NodeJS.Timeout } | undefined;

  const pump = async (): Promise<void> => {
    if (closed) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        const room = concurrency - inFlight.size;
        if (room <= 0) break;
        const claimed = await claimDueDeliveries(db, room, claimSeconds);
        for (const delivery of claimed) track(deliver(delivery));
        // A full claim: more may be due, claimed as sends finish.
        if (claimed.length === room) again = true;
      } while (again && !closed && inFlight.size < concurrency);
    } catch (err) {
      logger.warn("deliveries not claimed", { err: errorMessage(err) });
    } finally {
      pumping = false;
    }
  };

  const track = (p: Promise<void>) => {
    inFlight.add(p);
    void p.finally(() => {
      inFlight.delete(p);
      if (again) void pump();
    });
  };

  const wakeAt = (at: Date) => {
    const ms = at.getTime() - Date.now();
    if (ms >= config.SUBSCRIPTION_POLL_MS || closed) return;
    if (wakeTimer !== undefined && wakeTimer.at <= at.getTime()) return;
    if (wakeTimer !== undefined) clearTimeout(wakeTimer.timer);
    wakeTimer = {
      at: at.getTime(),
      timer: setTimeout(
        () => {
          wakeTimer = undefined;
          void pump();
        },
        Math.max(0, ms),
      ),
    };
  };

  const deliver = async (d: ClaimedDelivery): Promise<void> => {
    let result: SendResult;
    try {
      result = await sendDelivery(
        { id: d.id, url: d.url, secret: box.decrypt(d.secret), body: d.body },
        {
          dispatcher,
          timeoutMs,
        },
      );
    } catch (err) {
      // The secret cannot be opened with this process's SECRET_KEY: a failed attempt like any other.
      result = { ok: false, responseCode: null, durationMs: 0, error: errorMessage(err) };
    }
    const meta = { deliveryId: d.id, subscriptionId: d.subscriptionId, attempt: d.attempts };
    try {
      if (result.ok) {
        if (await delivered({ id: d.id, claimToken: d.claimToken, ...result })) metrics.eventDelivered("delivered");
        logger.debug("event delivered", { ...meta, durationMs: result.durationMs });
        return;
      }
      metrics.eventAttemptFailed();
      const next = nextAttemptAt({ step: d.scheduleStep, firstAttemptAt: d.firstAttemptAt, now: new Date(), scale });
      const error = result.error ?? "failed";
      const outcome = await recordFailed(db, d, { ...result, error }, next, (DISABLE_AFTER_MS * scale) / 1_000);
      logger.info("event delivery attempt failed", { ...meta, responseCode: result.responseCode, error });
      if (!outcome.recorded) return;
      if (next === null) {
        metrics.eventDelivered("failed");
        logger.warn("event delivery failed", meta);
      } else wakeAt(next);
      if (outcome.disabled) {
        logger.warn("subscription disabled", { subscriptionId: d.subscriptionId, error });
        await pauseDeliveries(db, d.subscriptionId);
      }
    } catch (err) {
      // Its claim expires and the delivery is sent again: at least once.
      logger.warn("event delivery outcome not recorded", { ...meta, err: errorMessage(err) });
    }
  };

  const poll = async () => {
    try {
      const state = await readOutboxState(db);
      subscribed = state.subscribed;
      metrics.outboxLag(state.lagSeconds);
      if (subscribed) await pump();
    } catch (err) {
      logger.warn("outbox not read", { err: errorMessage(err) });
    }
    if (!closed) pollTimer = setTimeout(() => void poll(), config.SUBSCRIPTION_POLL_MS);
  };
  await poll();

  return {
    poke: () => {
      if (!subscribed || closed || pokeQueued) return;
      pokeQueued = true;
      setImmediate(() => {
        pokeQueued = false;
        void pump();
      });
    },
    close: async () => {
      closed = true;
      clearTimeout(pollTimer);
      if (wakeTimer !== undefined) clearTimeout(wakeTimer.timer);
      await Promise.all([...inFlight]);
      if (options.dispatcher === undefined) await dispatcher.close();
    },
  };
}

/**
 * Subscriptions are configured by admins, so receivers on this host or the private network are allowed unless
 * SUBSCRIPTION_ALLOW_PRIVATE=false, which checks every address at connect time as workflow HTTP does
 * (cloud metadata and link-local addresses are refused either way then; HTTP_REQUEST_ALLOW_HOSTS exempts hosts).
 */
async function createDispatcher(config: Deps["config"], timeoutMs: number): Promise<Dispatcher> {
  if (!config.SUBSCRIPTION_ALLOW_PRIVATE) {
    return createGuardedAgent({
      policy: createAddressPolicy({ denyPrivate: true, allowHosts: config.HTTP_REQUEST_ALLOW_HOSTS }),
      maxHeaderBytes: MAX_HEADER_BYTES,
    });
  }
  const { Agent } = await import("undici");
  return new Agent({ maxHeaderSize: MAX_HEADER_BYTES, connect: { timeout: timeoutMs } });
}

/**
 * The worker's transitions, poking the relay after each applied start or outcome: a batch of them is one poke
 * (the relay looks once per event-loop turn), and without an enabled subscription a poke costs nothing.
 */
export function pokingTransitions(batcher: TransitionBatcher, relay: Pick<DeliveryRelay, "poke">): TransitionBatcher {
  return async (t) => {
    const run = await batcher(t);
    if (run !== null && run.status !== "pending" && run.status !== "waiting") relay.poke();
    return run;
  };
}
