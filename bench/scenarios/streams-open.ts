import type pg from "pg";
import { SseParser } from "@switchyard/client";
import { until } from "../lib/bench-env";
import { createBenchWorkflow, webhookPath } from "../lib/bench-workflow";
import type { HttpClient } from "../lib/http-load";

/** A run that waits for the signal `go` (up to an hour): its stream stays open, heartbeats only, until it is sent. */
const WAITING_GRAPH = {
  nodes: [
    { id: "hold", type: "wait_for_signal", params: { name: "go", timeout_seconds: 3600 } },
    { id: "out", type: "set", params: { value: "{{ run.attempt }}" } },
  ],
  edges: [{ from: "hold", to: "out" }],
};

export type OpenStreams = {
  count: number;
  /** Signals every run, waits for every stream's `end`: how many ended, and how many failed before it. */
  close: () => Promise<{ streams_open: number; streams_ended: number; stream_errors: number }>;
};

/**
 * Opens `count` run event streams on the API, each following a run that waits for a signal, and keeps them open
 * (read, heartbeats and all) while other scenarios run: the existing targets measured with streams open.
 */
export async function openRunStreams(
  client: HttpClient,
  pool: pg.Pool,
  apiUrl: string,
  count = 200,
): Promise<OpenStreams> {
  const workflowId = await createBenchWorkflow(client, "bench-streams-open", WAITING_GRAPH);
  const runIds: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = await client.send("POST", webhookPath(workflowId), { n: i });
    if (r.status !== 202) throw new Error(`streams-open trigger answered ${r.status}: ${r.body}`);
    runIds.push((JSON.parse(r.body) as { id: string }).id);
  }
  await until(
    async () =>
      (
        await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM runs WHERE workflow_id = $1 AND status = 'waiting'`,
          [workflowId],
        )
      ).rows[0]!.n >= count,
    "streams-open runs to wait for their signal",
    120_000,
    100,
  );
  let ended = 0;
  let errors = 0;
  let opened = 0;
  const follows = runIds.map(async (runId) => {
    try {
      const res = await fetch(`${apiUrl}/api/runs/${runId}/events`, { headers: { accept: "text/event-stream" } });
      if (res.status !== 200) throw new Error(`stream answered ${res.status}`);
      opened++;
      const parser = new SseParser();
      const decoder = new TextDecoder();
      for await (const chunk of res.body!) {
        for (const m of parser.push(decoder.decode(chunk as Uint8Array, { stream: true }))) {
          if (m.event === "end") ended++;
        }
      }
    } catch {
      errors++;
    }
  });
  await until(async () => opened + errors >= count, "streams-open streams to be answered", 60_000, 50);
  return {
    count,
    close: async () => {
      const open = opened;
      for (const runId of runIds) {
        const r = await client.send("POST", `/api/runs/${runId}/signals/go`, {});
        if (r.status >= 300) throw new Error(`signal answered ${r.status}: ${r.body}`);
      }
      await Promise.all(follows);
      return { streams_open: open, streams_ended: ended, stream_errors: errors };
    },
  };
}
