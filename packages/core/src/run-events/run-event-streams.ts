import type { Queryable } from "../db";
import type { Logger } from "../logger";
import { errorMessage } from "../errors";
import type { RunStatus } from "../runs/run-status";
import type { RunChange } from "./run-change";
import type { RunChangeSubscriber } from "./run-change-subscriber";
import { formatRunEventCursor, type RunEventCursor } from "./run-event-cursor";
import { readRunEvents, type RunEventBatch, type RunEventMessage, type RunEventRead } from "./read-run-events";

/**
 * Where a stream's events go (the API's SSE response). `send` answers false once the client fell too far behind
 * (its buffer is full): the sink has then cut it off and the stream is dropped.
 */
export type RunEventSink = {
  send: (events: readonly RunEventMessage[]) => boolean;
  heartbeat: () => void;
  /** Closes the stream (the run ended, or the process shuts down). */
  end: () => void;
};

/**
 * A stream being opened: changes are noted while its first read (the history) runs; `start` takes it live from
 * that read's cursor (`held`: the read left something to read again shortly, RunEventBatch).
 */
export type RunEventStream = { start: (cursor: RunEventCursor, held?: boolean) => void; close: () => void };

export type RunEventStreams = {
  /** Registers a run's stream before its history is read, so nothing committed meanwhile goes unnoticed. */
  open: (runId: string, sink: RunEventSink) => RunEventStream;
  /** A stream's first read (its history after `Last-Event-ID`), in the same statements as the live reads. */
  readHistory: (read: RunEventRead) => Promise<RunEventBatch>;
  /** `GET /api/events`: the status changes of every run (of a workflow, to a status) from now on. */
  watchAll: (filter: { workflowId?: string; status?: RunStatus }, sink: RunEventSink) => () => void;
  /** Open streams, for tests and metrics. */
  size: () => number;
  close: () => void;
};

export type RunEventStreamsOptions = {
  heartbeatMs: number;
  /** A stream not read for this long is read again, whatever was heard: the backstop for a lost message. */
  pollMs: number;
  /** A stream whose read held something back (a child's entry behind a running transaction) is read again after this. */
  heldRetryMs?: number;
};

type Stream = {
  runId: string;
  sink: RunEventSink;
  cursor: RunEventCursor | null;
  /** Marked for a read: it is in `marked`. */
  dirty: boolean;
  /** A read of it is in flight: what is heard meanwhile waits for it (the next read starts from its cursor). */
  reading: boolean;
  /** Its reads in a row that held something back, and the timer of the next one (heldRetryMs, doubling). */
  heldRounds: number;
  heldTimer: NodeJS.Timeout | null;
  /** When it was last read (performance.now()), for the backstop. */
  readAt: number;
  closed: boolean;
};

type HistoryRead = RunEventRead & { resolve: (b: RunEventBatch) => void; reject: (e: unknown) => void };

/** Transactions in this system last milliseconds: what one holds back is looked for again this soon. */
const HELD_RETRY_MS = 5;
/** A transaction left open (anywhere on the server) holds a parent's child events back: looked for at most this often. */
const MAX_HELD_RETRY_MS = 1_000;
/**
 * Statements in flight at once, at most, and runs per statement: a large read (the backstop's, a burst of opens)
 * never holds up the next change for long, and the reads take a few of the pool's connections, never all.
 */
const MAX_READS_IN_FLIGHT = 3;
const MAX_RUNS_PER_READ = 100;

/**
 * The open run streams of one API process. A change heard on the subscriber marks the streams of its run; the marked
 * streams of a turn are read together in one statement from their cursors (one read per run and cursor, however
 * many clients share them), with the first reads of streams being opened. A stream has at most one read in flight
 * (what is heard meanwhile is read after it, from its cursor); streams not being read go in another statement at
 * once, up to MAX_READS_IN_FLIGHT. A client's buffer is bounded by its sink; the workers never wait for any of this.
 */
export function createRunEventStreams(
  db: Queryable,
  subscriber: RunChangeSubscriber,
  logger: Logger,
  options: RunEventStreamsOptions,
): RunEventStreams {
  const byRun = new Map<string, Set<Stream>>();
  const feeds = new Set<{ filter: { workflowId?: string; status?: RunStatus }; sink: RunEventSink }>();
  /** The streams marked for a read (the only ones a read looks through, however many are open). */
  const marked = new Set<Stream>();
  const mark = (s: Stream) => {
    s.dirty = true;
    marked.add(s);
  };
  let histories: HistoryRead[] = [];
  let inFlight = 0;
  let scheduled = false;
  let unlisten: (() => void) | null = null;
  const heldRetryMs = options.heldRetryMs ?? HELD_RETRY_MS;

  const markAll = () => {
    for (const set of byRun.values()) for (const s of set) mark(s);
    schedule();
  };
  const onChanges = (changes: RunChange[]) => {
    let any = false;
    for (const c of changes) {
      const set = byRun.get(c.run_id);
      if (set !== undefined)
        for (const s of set) {
          mark(s);
          any = true;
        }
      // A child's change is also its parent's `child` event.
      const parent = c.parent_run_id === undefined ? undefined : byRun.get(c.parent_run_id);
      if (parent !== undefined)
        for (const s of parent) {
          mark(s);
          any = true;
        }
    }
    if (any) schedule();
    for (const feed of feeds) {
      const events: RunEventMessage[] = [];
      for (const c of changes) {
        if (c.status === null) continue;
        if (feed.filter.workflowId !== undefined && feed.filter.workflowId !== c.workflow_id) continue;
        if (feed.filter.status !== undefined && feed.filter.status !== c.status) continue;
        events.push({
          event: "status",
          data: { run_id: c.run_id, workflow_id: c.workflow_id, status: c.status, attempt: c.attempt, at: c.at },
        });
      }
      if (events.length > 0 && !feed.sink.send(events)) feeds.delete(feed);
    }
  };
  const listen = () => {
    unlisten ??= subscriber.listen({ changes: onChanges, resync: markAll });
  };

  const readable = (s: Stream) => !s.reading && s.cursor !== null;
  const hasWork = () => {
    if (histories.length > 0) return true;
    for (const s of marked) if (readable(s)) return true;
    return false;
  };
  const schedule = () => {
    if (scheduled || inFlight >= MAX_READS_IN_FLIGHT) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      void readMarked();
    });
  };
  /** Reads a stream again after its read held something back, sooner the first times (a stuck transaction waits). */
  const retryHeld = (s: Stream) => {
    if (s.heldTimer !== null) return;
    const delay = Math.min(heldRetryMs * 2 ** s.heldRounds, MAX_HELD_RETRY_MS);
    s.heldRounds++;
    s.heldTimer = setTimeout(() => {
      s.heldTimer = null;
      if (s.closed) return;
      mark(s);
      schedule();
    }, delay);
  };
  const releaseHeld = (s: Stream) => {
    s.heldRounds = 0;
    if (s.heldTimer !== null) clearTimeout(s.heldTimer);
    s.heldTimer = null;
  };
  const drop = (s: Stream) => {
    if (s.closed) return;
    s.closed = true;
    marked.delete(s);
    releaseHeld(s);
    const set = byRun.get(s.runId);
    set?.delete(s);
    if (set?.size === 0) byRun.delete(s.runId);
  };

  const deliver = (group: Stream[], batch: RunEventBatch) => {
    for (const s of group) {
      s.reading = false;
      s.readAt = performance.now();
      if (s.closed) continue;
      if (batch === null) {
        // The run is gone (purged): nothing more will come.
        s.sink.end();
        drop(s);
        continue;
      }
      if (batch.events.length > 0 && !s.sink.send(batch.events)) {
        drop(s);
        continue;
      }
      s.cursor = batch.cursor;
      if (batch.held) retryHeld(s);
      else s.heldRounds = 0;
      if (batch.ended) {
        s.sink.end();
        drop(s);
      }
    }
  };

  const readMarked = async () => {
    const first = histories.splice(0, MAX_RUNS_PER_READ);
    const groups = new Map<string, Stream[]>();
    for (const s of marked) {
      if (!readable(s)) continue;
      const key = `${s.runId} ${formatRunEventCursor(s.cursor!)}`;
      const group = groups.get(key);
      if (group === undefined) {
        if (first.length + groups.size >= MAX_RUNS_PER_READ) break;
        groups.set(key, [s]);
      } else group.push(s);
      s.dirty = false;
      marked.delete(s);
      s.reading = true;
    }
    if (first.length === 0 && groups.size === 0) return;
    inFlight++;
    // What did not fit goes in another statement at once, while there is room.
    if (hasWork()) schedule();
    const list = [...groups.values()];
    let failed = false;
    try {
      const batches = await readRunEvents(db, [
        ...first,
        ...list.map((g) => ({ runId: g[0]!.runId, cursor: g[0]!.cursor! })),
      ]);
      first.forEach((h, i) => h.resolve(batches[i] ?? null));
      list.forEach((group, i) => deliver(group, batches[first.length + i] ?? null));
    } catch (err) {
      // Postgres is away: the streams stay marked and are read again once it answers (the next change or poll).
      logger.warn("run events not read", { error: errorMessage(err) });
      failed = true;
      for (const h of first) h.reject(err);
      for (const group of list)
        for (const s of group) {
          s.reading = false;
          if (!s.closed) mark(s);
        }
    } finally {
      inFlight--;
    }
    if (!failed && hasWork()) schedule();
  };

  const heartbeat = setInterval(() => {
    for (const set of byRun.values()) for (const s of set) if (s.cursor !== null) s.sink.heartbeat();
    for (const f of feeds) f.sink.heartbeat();
  }, options.heartbeatMs);
  heartbeat.unref();
  // Streams read recently (by any change) are left alone: under load, the backstop reads almost nothing.
  const poll = setInterval(
    () => {
      const stale = performance.now() - options.pollMs;
      let any = false;
      for (const set of byRun.values())
        for (const s of set)
          if (s.cursor !== null && s.readAt <= stale) {
            s.readAt = performance.now();
            mark(s);
            any = true;
          }
      if (any) schedule();
    },
    Math.max(1, Math.floor(options.pollMs / 5)),
  );
  poll.unref();

  return {
    open: (runId, sink) => {
      listen();
      const s: Stream = {
        runId,
        sink,
        cursor: null,
        dirty: false,
        reading: false,
        heldRounds: 0,
        heldTimer: null,
        readAt: performance.now(),
        closed: false,
      };
      let set = byRun.get(runId);
      if (set === undefined) byRun.set(runId, (set = new Set()));
      set.add(s);
      return {
        start: (cursor, held = false) => {
          if (s.closed) return;
          s.cursor = cursor;
          s.readAt = performance.now();
          if (held) retryHeld(s);
          if (s.dirty) schedule();
        },
        close: () => drop(s),
      };
    },
    readHistory: (read) =>
      new Promise<RunEventBatch>((resolve, reject) => {
        histories.push({ ...read, resolve, reject });
        schedule();
      }),
    watchAll: (filter, sink) => {
      listen();
      const feed = { filter, sink };
      feeds.add(feed);
      return () => feeds.delete(feed);
    },
    size: () => [...byRun.values()].reduce((n, set) => n + set.size, 0) + feeds.size,
    close: () => {
      clearInterval(heartbeat);
      clearInterval(poll);
      unlisten?.();
      const waiting = histories;
      histories = [];
      for (const h of waiting) h.reject(new Error("run event streams closed"));
      for (const set of [...byRun.values()])
        for (const s of [...set]) {
          s.sink.end();
          drop(s);
        }
      for (const f of feeds) f.sink.end();
      feeds.clear();
    },
  };
}
