import type { ServerResponse } from "node:http";
import type { RunEventMessage } from "@switchyard/core/run-events/read-run-events";
import type { RunEventSink } from "@switchyard/core/run-events/run-event-streams";

/** A client cut off for reading too slowly gets this long to read its `error` event before its socket is closed. */
const CUT_OFF_GRACE_MS = 2_000;

/** Server-sent events on `res` (docs/run-events.md): the headers, then each event as `id`/`event`/`data` lines. */
export type SseSink = RunEventSink & { open: () => void };

/**
 * `maxBufferBytes`: what may wait unsent for a slow client; past it the client gets a last `error` event and the
 * stream is closed (it reconnects with `Last-Event-ID` and misses nothing).
 */
export function createSseSink(res: ServerResponse, maxBufferBytes: number): SseSink {
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    res.end();
  };
  const cutOff = () => {
    ended = true;
    res.end(
      formatEvent({ event: "error", data: { detail: "the client read too slowly: reconnect with Last-Event-ID" } }),
    );
    // The connection goes too, not back to keep-alive: a client this slow is not served more on it.
    const socket = res.socket;
    setTimeout(() => socket?.destroy(), CUT_OFF_GRACE_MS).unref();
  };
  res.on("close", () => (ended = true));
  return {
    open: () => {
      res.writeHead(200, {
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-cache, no-transform",
        // nginx: pass each event on as it comes.
        "X-Accel-Buffering": "no",
      });
      // A HEAD asks for the head alone: answered at once, never held open as a stream.
      if (res.req.method === "HEAD") return end();
      res.write("retry: 1000\n\n");
    },
    send: (events) => {
      if (ended) return false;
      if (res.writableLength > maxBufferBytes) {
        cutOff();
        return false;
      }
      res.write(events.map(formatEvent).join(""));
      return true;
    },
    heartbeat: () => {
      if (!ended) res.write(": heartbeat\n\n");
    },
    end,
  };
}

function formatEvent(e: RunEventMessage | { event: "error"; data: unknown; id?: undefined }): string {
  return `${e.id === undefined ? "" : `id: ${e.id}\n`}event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
}
