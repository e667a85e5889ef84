/** One dispatched Server-Sent Event: `event` ("message" when the stream named none), `data`, and its `id` if any. */
export type SseMessage = { event: string; data: string; id: string | undefined };

/**
 * A Server-Sent Events parser (the WHATWG "event stream interpretation"), fed text as it arrives in any chunking:
 * lines end in CRLF, LF or CR; `:` lines are comments (heartbeats); `data` lines join with LF; a blank line
 * dispatches. `lastEventId` is what a reconnect sends back as `Last-Event-ID`; `retryMs` the server's `retry:`.
 */
export class SseParser {
  lastEventId: string | undefined;
  retryMs: number | undefined;
  private buffer = "";
  private event = "";
  private data: string[] = [];
  private hasId = false;
  private pendingCr = false;

  constructor(lastEventId?: string) {
    this.lastEventId = lastEventId;
  }

  /** The events completed by this chunk. */
  push(chunk: string): SseMessage[] {
    let text = chunk;
    // A CR at the end of the previous chunk may be half of a CRLF.
    if (this.pendingCr && text.startsWith("\n")) text = text.slice(1);
    this.pendingCr = false;
    this.buffer += text;
    const out: SseMessage[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      const line = this.buffer.slice(start, i);
      if (c === 13) {
        if (i + 1 === this.buffer.length) this.pendingCr = true;
        else if (this.buffer.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
      const message = this.line(line);
      if (message !== undefined) out.push(message);
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  private line(line: string): SseMessage | undefined {
    if (line.length === 0) return this.dispatch();
    if (line.startsWith(":")) return undefined;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "event":
        this.event = value;
        break;
      case "data":
        this.data.push(value);
        break;
      case "id":
        if (!value.includes("\u0000")) {
          this.lastEventId = value;
          this.hasId = true;
        }
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
    }
    return undefined;
  }

  private dispatch(): SseMessage | undefined {
    const event = this.event;
    const data = this.data;
    const hasId = this.hasId;
    this.event = "";
    this.data = [];
    this.hasId = false;
    if (data.length === 0) return undefined;
    return { event: event || "message", data: data.join("\n"), id: hasId ? this.lastEventId : undefined };
  }
}
