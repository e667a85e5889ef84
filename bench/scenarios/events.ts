import { monitorEventLoopDelay } from "node:perf_hooks";
import { SseParser } from "@switchyard/client";
import { createBenchWorkflow, webhookPath } from "../lib/bench-workflow";
import { runOpenLoop, type HttpClient } from "../lib/http-load";
import { summarize } from "../lib/stats";
import { measureCpu } from "../lib/cpu-time";
import type { CpuPids } from "./webhook-e2e";

type Summary = ReturnType<typeof summarize>;

export type EventsResult = {
  scenario: "events";
  rate_per_s: number;
  seconds: number;
  requests: number;
  non_202: number;
  /** Streams open at once, at most (one per run, from its stream's answer to its `end`). */
  peak_open_streams: number;
  /** Streams asked for and not answered yet, at most (the API reading their history). */
  peak_opening_streams: number;
  /** From asking for a stream to its answer (the history read and sent). */
  stream_open_ms: Summary;
  /** Status events that arrived live (committed after their stream's answer: its history excluded). */
  live_events: number;
  streams_without_end: number;
  /** Streams that failed (a reset, a refused connection) before their end: counted, the load goes on. */
  stream_errors: number;
  /**
   * From a status change's commit to its arrival on the stream: its `at` is clock_timestamp() in the statement that
   * commits it, so the figure includes the rest of that statement and its commit, and the load generator's own
   * delay in reading the chunk (`loop_delay_ms`).
   */
  commit_to_event_ms: Summary;
  /** This process's event-loop delay while it ran: how late, at worst, it saw what had arrived. */
  loop_delay_ms: { p50: number; p99: number; max: number };
  /** CPU ms per run of each process, its stream included (load_generator: this process, which reads them all). */
  cpu_ms_per_run: Record<string, number>;
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
export async function runEvents(
  client: HttpClient,
  apiUrl: string,
  pids: CpuPids,
  rate = 200,
  seconds = 20,
): Promise<EventsResult> {
  const workflowId = await createBenchWorkflow(client, "bench-events", PARKING_GRAPH);
  const path = webhookPath(workflowId);
  const latencies: number[] = [];
  const openings: number[] = [];
  let opening = 0;
  let peakOpening = 0;
  let open = 0;
  let peak = 0;
  let withoutEnd = 0;
  let errors = 0;
  const follows: Promise<void>[] = [];
  const follow = async (runId: string) => {
    opening++;
    peakOpening = Math.max(peakOpening, opening);
    const asked = Date.now();
    let answered = false;
    let ended = false;
    try {
      const res = await fetch(`${apiUrl}/api/runs/${runId}/events`, { headers: { accept: "text/event-stream" } });
      // Answered once its history was read: what committed before came with it, not live.
      const opened = Date.now();
      openings.push(opened - asked);
      opening--;
      answered = true;
      open++;
      peak = Math.max(peak, open);
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
      if (answered) open--;
      else opening--;
      if (!ended) withoutEnd++;
    }
  };
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const cpu = measureCpu(pids);
  const results = await runOpenLoop(rate, seconds, async (i) => {
    const r = await client.send("POST", path, { n: i });
    if (r.status === 202) follows.push(follow((JSON.parse(r.body) as { id: string }).id));
    return r;
  });
  await Promise.all(follows);
  const cpuPerRun = cpu.stop(follows.length);
  loop.disable();
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  return {
    scenario: "events",
    rate_per_s: rate,
    seconds,
    requests: results.length,
    non_202: results.filter((r) => r.status !== 202).length,
    peak_open_streams: peak,
    peak_opening_streams: peakOpening,
    stream_open_ms: summarize(openings),
    live_events: latencies.length,
    streams_without_end: withoutEnd,
    stream_errors: errors,
    commit_to_event_ms: summarize(latencies),
    loop_delay_ms: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) },
    cpu_ms_per_run: cpuPerRun,
  };
}
