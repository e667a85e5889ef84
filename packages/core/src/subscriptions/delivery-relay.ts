import type { Dispatcher } from "undici";
import type { Deps } from "../deps";
import { createAddressPolicy } from "../engine/http/address-policy";
import { createGuardedAgent } from "../engine/http/create-guarded-agent";
import { errorMessage } from "../errors";
import type { TransitionBatcher } from "../runs/transition-batcher";
import { secretBoxFor } from "../secrets/secret-box";
import {
  claimSize,
  pauseDeliveries,
  readOutboxState,
  recordAndClaim,
  recordFailed,
  type ClaimedDelivery,
  type DeliveredAttempt,
} from "./delivery-store";
import { DISABLE_AFTER_MS, nextAttemptAt } from "./retry-schedule";
import { SendDeadline, sendDelivery, type SendResult } from "./send-delivery";
import { signingKey } from "./sign-delivery";

export type DeliveryRelay = {
  /** Due deliveries may exist now (a batch of transitions was committed): look at once, if anything subscribes. */
  poke: () => void;
  /** Stops claiming, waits for the sends in flight (each bounded by SUBSCRIPTION_TIMEOUT_SECONDS) and records them. */
  close: () => Promise<void>;
};

const MAX_HEADER_BYTES = 16 * 1024;
/** While sends are finishing, one statement per this many ms at most: the outcomes of a busy sender share it. */
const CYCLE_MS = 20;
/** Successful attempts recorded by one statement, at most. */
const RECORD_BATCH = 500;

/**
 * The sender of outgoing run events, in the worker process beside (never inside) run execution: it claims due
 * deliveries from the outbox, at most SUBSCRIPTION_CONCURRENCY in flight, sends them, and records each attempt.
 * It looks every SUBSCRIPTION_POLL_MS (the backstop: events written by other processes, retries coming due,
 * claims of a crashed sender expiring), when poked after the worker's own transitions, and when a retry it
 * scheduled comes due. At least once: a delivery leaves the outbox only by a recorded outcome.
 *
 * One statement (a cycle) records the successes that finished since the last one and claims what is due, so under
 * load a delivery costs a share of one statement rather than two of its own. Cycles start at once on an idle
 * sender and at most every CYCLE_MS while sends finish; a send's slot is free as soon as its answer is in (its
 * claim holds until its outcome is recorded), and a sender with sends in flight claims once a quarter of its slots
 * are free, so a backlog goes in batches.
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
  const minRoom = Math.max(1, Math.floor(concurrency / 4));
  // Opened once per stored value (a subscription's deliveries all carry the same one); a rotated secret is a new value.
  const keys = new Map<string, Buffer>();
  const keyOf = (stored: string): Buffer => {
    let key = keys.get(stored);
    if (key === undefined) {
      key = signingKey(box.decrypt(stored));
      if (keys.size >= 1_000) keys.clear();
      keys.set(stored, key);
    }
    return key;
  };

  /** Successful attempts not recorded yet. */
  let toRecord: DeliveredAttempt[] = [];
  /** Failed attempts being recorded (one statement each: the retry schedule and the streak are per delivery). */
  const failures = new Set<Promise<void>>();
  let sending = 0;
  let closed = false;
  let subscribed = false;
  /** Due deliveries may exist: a poke, a poll, a retry coming due, or the last claim was full. */
  let mayBeDue = false;
  let cycling: Promise<void> | undefined;
  let lastCycleAt = 0;
  let cycleTimer: NodeJS.Timeout | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  let wakeTimer: { at: number; timer: NodeJS.Timeout } | undefined;
  let sendsDone: (() => void) | undefined;

  const roomToClaim = () => {
    if (closed || !subscribed || !mayBeDue || toRecord.length >= RECORD_BATCH) return 0;
    const room = concurrency - sending;
    return room >= (sending === 0 ? 1 : minRoom) ? room : 0;
  };

  const schedule = (): void => {
    if (cycling !== undefined || cycleTimer !== undefined) return;
    if (roomToClaim() === 0 && toRecord.length === 0) return;
    const wait = lastCycleAt + CYCLE_MS - Date.now();
    if (wait > 0 && !closed && toRecord.length < RECORD_BATCH) {
      cycleTimer = setTimeout(() => {
        cycleTimer = undefined;
        schedule();
      }, wait);
      return;
    }
    cycling = cycle().finally(() => {
      cycling = undefined;
      schedule();
    });
  };

  const cycle = async (): Promise<void> => {
    lastCycleAt = Date.now();
    const batch = toRecord.splice(0, RECORD_BATCH);
    const size = claimSize(Math.min(roomToClaim(), 500));
    if (size > 0) mayBeDue = false;
    try {
      const { claimed, recorded } = await recordAndClaim(db, batch, size, claimSeconds);
      for (const a of batch) {
        if (recorded.has(a.id)) metrics.eventDelivered("delivered");
      }
      if (batch.length > 0 && logger.isDebugEnabled()) {
        logger.debug("events delivered", { recorded: recorded.size, deliveryIds: [...recorded] });
      }
      // A full claim: more may be due, claimed as slots free.
      if (size > 0 && claimed.length === size) mayBeDue = true;
      // The sends of one claim start together: one deadline for them all.
      if (claimed.length > 0) {
        const deadline = new SendDeadline(timeoutMs);
        for (const delivery of claimed) void deliver(delivery, deadline);
      }
    } catch (err) {
      // Claims expire and are sent again; the successes are recorded by the next cycle (fenced: at most once).
      toRecord = [...batch, ...toRecord];
      if (size > 0) mayBeDue = true;
      logger.warn("deliveries not recorded or claimed", { err: errorMessage(err) });
      await new Promise((resolve) => setTimeout(resolve, closed ? 100 : config.SUBSCRIPTION_POLL_MS));
    }
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
          mayBeDue = true;
          schedule();
        },
        Math.max(0, ms),
      ),
    };
  };

  const deliver = async (d: ClaimedDelivery, deadline: SendDeadline): Promise<void> => {
    sending += 1;
    let result: SendResult;
    try {
      result = await sendDelivery(
        { id: d.id, url: d.url, signingKey: keyOf(d.secret), body: d.body },
        { dispatcher, timeoutMs, deadline },
      );
    } catch (err) {
      // The secret cannot be opened with this process's SECRET_KEY: a failed attempt like any other.
      result = { ok: false, responseCode: null, durationMs: 0, error: errorMessage(err) };
    }
    sending -= 1;
    if (result.ok) toRecord.push({ id: d.id, claimToken: d.claimToken, ...result });
    else {
      const failure = recordFailure(d, result).finally(() => failures.delete(failure));
      failures.add(failure);
    }
    if (sending === 0) sendsDone?.();
    schedule();
  };

  const recordFailure = async (d: ClaimedDelivery, result: SendResult): Promise<void> => {
    const meta = { deliveryId: d.id, subscriptionId: d.subscriptionId, attempt: d.attempts };
    try {
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
      mayBeDue = true;
      schedule();
    } catch (err) {
      logger.warn("outbox not read", { err: errorMessage(err) });
    }
    if (!closed) pollTimer = setTimeout(() => void poll(), config.SUBSCRIPTION_POLL_MS);
  };
  await poll();

  return {
    poke: () => {
      if (!subscribed || closed) return;
      mayBeDue = true;
      schedule();
    },
    close: async () => {
      closed = true;
      clearTimeout(pollTimer);
      if (wakeTimer !== undefined) clearTimeout(wakeTimer.timer);
      if (sending > 0) await new Promise<void>((resolve) => (sendsDone = resolve));
      await Promise.all([...failures]);
      // The last successes: recorded now, not after CYCLE_MS; a database that stays down leaves them to expire.
      clearTimeout(cycleTimer);
      cycleTimer = undefined;
      for (let tries = 0; tries < 3 && (cycling !== undefined || toRecord.length > 0); tries++) {
        await cycling;
        if (toRecord.length > 0) await cycle();
      }
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
