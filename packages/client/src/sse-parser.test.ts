import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SseParser } from "./sse-parser";

const STREAM =
  'id: 1\nevent: status\ndata: {"status":"running"}\n\n: ping\n\nid: 2\nevent: end\ndata: {"a":1}\ndata: {"b":2}\n\n';

describe("SseParser", () => {
  it("parses events with ids, types and multi-line data, and skips comments", () => {
    const parser = new SseParser();
    assert.deepEqual(parser.push(STREAM), [
      { event: "status", data: '{"status":"running"}', id: "1" },
      { event: "end", data: '{"a":1}\n{"b":2}', id: "2" },
    ]);
    assert.equal(parser.lastEventId, "2");
  });

  it("gives the same events whatever the chunking, CRLF and CR line ends included", () => {
    const crlf = STREAM.replaceAll("\n", "\r\n");
    const cr = STREAM.replaceAll("\n", "\r");
    const whole = new SseParser().push(STREAM);
    for (const text of [STREAM, crlf, cr]) {
      const parser = new SseParser();
      const events = [...text].flatMap((ch) => parser.push(ch));
      assert.deepEqual(events, whole, JSON.stringify(text.slice(0, 12)));
    }
  });

  it("keeps the last id across events without one, names an unnamed event message, and reads retry", () => {
    const parser = new SseParser("0");
    const events = parser.push("retry: 1500\ndata:x\n\nid\ndata: y\n\nretry: soon\n\n");
    assert.deepEqual(events, [
      { event: "message", data: "x", id: undefined },
      { event: "message", data: "y", id: "" },
    ]);
    assert.equal(parser.retryMs, 1500);
    assert.equal(parser.lastEventId, "");
  });

  it("dispatches nothing for a block without data, nor for an unfinished block", () => {
    const parser = new SseParser();
    assert.deepEqual(parser.push("event: status\n\nid: 7\ndata: half"), []);
    assert.equal(parser.lastEventId, "7");
  });
});
