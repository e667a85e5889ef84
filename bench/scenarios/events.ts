import { SseParser } from "@switchyard/client";
import { createBenchWorkflow, webhookPath } from "../lib/bench-workflow";
import { runOpenLoop, type HttpClient } from "../lib/http-load";
import { summarize } from "../lib/stats";

type Summary = ReturnType<typeof summarize>;

export type EventsResult = {
  scenario: "events";
  rate_per_s: number;
  seconds: number;
  requests: number;
  non_202: number;
  /** Streams open at once, at most (one per run, from its webhook answer to its `end`). */
  peak_open_streams: number;
  /** Status events that arrived live (committed after their stream opened). */
  live_events: number;
  streams_without_end: number;
  /** Streams that failed (a reset, a refused connection) before their end: counted, the load goes on. */
  stream_errors: number;
  /** From a status change's commit (its `at`, written by the committing statement) to its arrival on the stream. */
  commit_to_event_ms: Summary;
};

/** A run that parks for a second: about `rate` runs are live, and followed, at any time. */
const PARKING_GRAPH = {
  nodes: [
    { id: "pause", type: "delay", params: { seconds: 1 } },
    { id: "out", type: "set", params: { value: "{{ run.attempt }}" } },
  ],
  edges: [{ from: "pause", to: "out" }],
};

/**
 * Webhook runs at `rate` per second, each followed on `GET /api/runs/{id}/events` from its answer to its end (about
 * `rate` streams open at once, each run lasting a second): how long a committed change takes to reach its stream.
 */
export async function runEvents(client: HttpClient, apiUrl: string, rate = 200, seconds = 20): Promise<EventsResult> {
  const workflowId = await createBenchWorkflow(client, "bench-events", PARKING_GRAPH);
  const path = webhookPath(workflowId);
  const latencies: number[] = [];
  let open = 0;
  let peak = 0;
  let withoutEnd = 0;
  let errors = 0;
  const follows: Promise<void>[] = [];
  const follow = async (runId: string) => {
    open++;
    peak = Math.max(peak, open);
    const opened = Date.now();
    let ended = false;
    try {
      const res = await fetch(`${apiUrl}/api/runs/${runId}/events`, { headers: { accept: "text/event-stream" } });
      const parser = new SseParser();
      const decoder = new TextDecoder();
      for await (const chunk of res.body!) {
        const received = Date.now();
        for (const m of parser.push(decoder.decode(chunk as Uint8Array, { stream: true }))) {
          if (m.event === "end") ended = true;
          if (m.event !== "status") continue;
          const at = Date.parse((JSON.parse(m.data) as { at: string }).at);
          if (at > opened) latencies.push(received - at);
        }
      }
    } catch {
      errors++;
    } finally {
      open--;
      if (!ended) withoutEnd++;
    }
  };
  const results = await runOpenLoop(rate, seconds, async (i) => {
    const r = await client.send("POST", path, { n: i });
    if (r.status === 202) follows.push(follow((JSON.parse(r.body) as { id: string }).id));
    return r;
  });
  await Promise.all(follows);
  return {
    scenario: "events",
    rate_per_s: rate,
    seconds,
    requests: results.length,
    non_202: results.filter((r) => r.status !== 202).length,
    peak_open_streams: peak,
    live_events: latencies.length,
    streams_without_end: withoutEnd,
    stream_errors: errors,
    commit_to_event_ms: summarize(latencies),
  };
}
