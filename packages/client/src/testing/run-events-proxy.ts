import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Db } from "@switchyard/core/db";
import { getRunJson } from "@switchyard/core/runs/run-actions";
import { listRunSteps } from "@switchyard/core/runs/list-run-steps";
import type { RunResponse, RunStepResponse } from "@switchyard/core/runs/run-response";
import { isTerminal, type RunStatus } from "@switchyard/core/runs/run-status";

/**
 * A test stand-in for `GET /api/runs/{id}/events` until the API serves it: a local HTTP server that answers that
 * route in the SSE wire format (status events from the run's audit entries, step and log events from its stored
 * steps, `end` once it has ended, ids a reconnect resumes from), reading the real run from Postgres, and forwards
 * every other request to the real API (`target`), streamed both ways. Auth and 404 come from the API: the run is
 * read through it with the caller's headers before the stream opens.
 *
 * `stop()` cuts every open connection and stops listening, `start()` listens again on the same port: a restart.
 */
export type RunEventsProxy = {
  url: string;
  port: number;
  target: string;
  stop: () => Promise<void>;
  start: () => Promise<void>;
};

const POLL_MS = 20;

const STATUS_OF_ACTION: Record<string, RunStatus> = {
  run_created: "pending",
  run_started: "running",
  run_resumed: "running",
  run_waiting: "waiting",
  run_succeeded: "succeeded",
  run_failed: "failed",
  run_cancelled: "cancelled",
  run_retry_scheduled: "pending",
  run_handed_over: "pending",
  run_requeued: "pending",
  run_lease_expired: "pending",
  run_crash_limit_reached: "failed",
};

export async function startRunEventsProxy(db: Db, target: string, port = 0): Promise<RunEventsProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const proxy: RunEventsProxy = {
    url: "",
    port,
    target,
    start: async () => {
      server = createServer((req, res) => {
        if (!serveRunEvents(db, proxy.target, req, res)) forward(proxy.target, req, res);
      });
      server.on("connection", (s) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
      });
      await new Promise<void>((resolve) => server!.listen(proxy.port, "127.0.0.1", resolve));
      proxy.port = (server.address() as AddressInfo).port;
      proxy.url = `http://127.0.0.1:${proxy.port}`;
    },
    stop: async () => {
      const closed = new Promise<void>((resolve) => server?.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
  await proxy.start();
  return proxy;
}

/**
 * Answers `GET /api/runs/{id}/events` from Postgres (true), or leaves the request alone (false). `apiUrl`: where
 * the run is read first, with the caller's Authorization, for the API's own 401/403/404.
 */
export function serveRunEvents(db: Db, apiUrl: string, req: IncomingMessage, res: ServerResponse): boolean {
  const match = /^\/api\/runs\/([^/?]+)\/events(\?.*)?$/.exec(req.url ?? "");
  if (req.method !== "GET" || match === null) return false;
  streamRunEvents(db, apiUrl, decodeURIComponent(match[1]!), req, res).catch(() => res.destroy());
  return true;
}

async function streamRunEvents(
  db: Db,
  target: string,
  runId: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const check = await fetch(`${target}/api/runs/${encodeURIComponent(runId)}`, {
    headers: req.headers.authorization === undefined ? {} : { authorization: req.headers.authorization },
  });
  if (!check.ok) {
    res.writeHead(check.status, { "content-type": "application/json" }).end(await check.text());
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  res.flushHeaders();
  // Ids are `<audit entries sent>:<steps sent>`, and `...:<lines sent>` for a step's log lines (sent before it).
  const last = /^(\d+):(\d+)(?::(\d+))?$/.exec(String(req.headers["last-event-id"] ?? ""));
  let audits = last === null ? 0 : Number(last[1]);
  let steps = last === null ? 0 : Number(last[2]);
  let linesSent = last?.[3] === undefined ? 0 : Number(last[3]);
  let closed = false;
  res.on("close", () => (closed = true));
  const send = (id: string, event: string, data: unknown) =>
    res.write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

  while (!closed) {
    const run = await getRunJson(db, runId);
    const stored = await listRunSteps(db, runId);
    for (const item of pending(run, stored, audits, steps)) {
      if (item.kind === "audit") {
        audits++;
        const status = STATUS_OF_ACTION[item.entry.action];
        if (status !== undefined) {
          send(`${audits}:${steps}`, "status", { run_id: runId, status, attempt: run.attempt, at: item.entry.at });
        }
      } else {
        const { node_id, attempt, status, output, error, started_at, finished_at } = item.step;
        const lines = logsOf(item.step.log);
        for (let i = linesSent; i < lines.length; i++) {
          const line = { run_id: runId, node_id, level: lines[i]!.level, message: lines[i]!.message, at: finished_at };
          send(`${audits}:${steps}:${i + 1}`, "log", line);
        }
        linesSent = 0;
        steps++;
        send(`${audits}:${steps}`, "step", {
          run_id: runId,
          node_id,
          attempt,
          status,
          output,
          error,
          started_at,
          finished_at,
        });
      }
    }
    if (isTerminal(run.status) && audits >= run.audit_log.length && steps >= stored.length) {
      const output = run.output_payload as { result?: unknown; final_state?: unknown } | null;
      const result = output?.result ?? output?.final_state;
      send(`${audits}:${steps}:end`, "end", { run_id: runId, status: run.status, result, error: run.error });
      res.end();
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

type Item = { kind: "audit"; entry: RunResponse["audit_log"][number] } | { kind: "step"; step: RunStepResponse };

/** What has not been sent yet, in time order: a status change before a step at the same instant, an end after it. */
function pending(run: RunResponse, stored: RunStepResponse[], audits: number, steps: number): Item[] {
  const items: (Item & { at: number; rank: number })[] = [
    ...run.audit_log.slice(audits).map((entry) => ({
      kind: "audit" as const,
      entry,
      at: Date.parse(entry.at ?? ""),
      rank: isTerminal(STATUS_OF_ACTION[entry.action] ?? "pending") ? 2 : 0,
    })),
    ...stored
      .slice(steps)
      .map((step) => ({ kind: "step" as const, step, at: Date.parse(step.finished_at ?? ""), rank: 1 })),
  ];
  // Audit entries stay in their own order, and so do steps: only the interleaving follows time.
  const out: Item[] = [];
  const a = items.filter((i) => i.kind === "audit");
  const s = items.filter((i) => i.kind === "step");
  while (a.length > 0 || s.length > 0) {
    const next =
      s.length === 0 || (a.length > 0 && (a[0]!.at < s[0]!.at || (a[0]!.at === s[0]!.at && a[0]!.rank < s[0]!.rank)))
        ? a.shift()!
        : s.shift()!;
    out.push(next);
  }
  return out;
}

function logsOf(log: unknown): { level: string; message: string }[] {
  const list = Array.isArray(log) ? log : log === null || log === undefined ? [] : [log];
  return list.filter((l): l is { level: string; message: string } => typeof l === "object" && l !== null);
}

function forward(target: string, req: IncomingMessage, res: ServerResponse): void {
  const upstream = httpRequest(new URL(req.url ?? "/", target), { method: req.method, headers: req.headers }, (up) => {
    res.writeHead(up.statusCode ?? 502, up.headers);
    up.pipe(res);
  });
  upstream.on("error", () => {
    if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
    res.end(JSON.stringify({ detail: "the API did not answer" }));
  });
  res.on("close", () => upstream.destroy());
  req.pipe(upstream);
}
