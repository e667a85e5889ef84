import type { RunStatus } from "./api-types";

/**
 * The events of `GET /api/runs/{run_id}/events` (docs/run-events.md): each with its SSE `id`, the cursor a
 * reconnect sends back as `Last-Event-ID`.
 */
export type RunStatusEvent = {
  type: "status";
  id: string | undefined;
  data: { run_id: string; status: RunStatus; attempt: number; at: string; blocked_by?: unknown };
};
export type RunStepEvent = {
  type: "step";
  id: string | undefined;
  data: {
    run_id: string;
    node_id: string;
    attempt: number;
    status: string;
    output?: unknown;
    output_truncated?: boolean;
    error?: string | null;
    started_at: string | null;
    finished_at: string | null;
  };
};
export type RunLogEvent = {
  type: "log";
  id: string | undefined;
  data: { run_id: string; node_id: string; level: string; message: string; at: string | null };
};
export type RunChildEvent = {
  type: "child";
  id: string | undefined;
  data: { run_id: string; child_run_id: string; status: RunStatus };
};
export type RunEndEvent = {
  type: "end";
  id: string | undefined;
  data: { run_id: string; status: RunStatus; result?: unknown; error?: string | null };
};

export type RunEvent = RunStatusEvent | RunStepEvent | RunLogEvent | RunChildEvent | RunEndEvent;
export type RunEventType = RunEvent["type"];

export const RUN_EVENT_TYPES: readonly RunEventType[] = ["status", "step", "log", "child", "end"];
