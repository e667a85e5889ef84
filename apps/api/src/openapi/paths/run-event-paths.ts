import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import {
  RunChildEventData,
  RunEndEventData,
  RunErrorEventData,
  RunEventsQuery,
  RunLogEventData,
  RunStatusEventData,
  RunStepEventData,
} from "@switchyard/core/run-events/run-event-schemas";
import { errors, runIdParams } from "../openapi-common";

const tags = ["Run events"];

/** One server-sent event: its `event` line, its `id` (the cursor `Last-Event-ID` sends back) and its JSON `data`. */
function sseEvent(name: string, data: z.ZodType, description: string, withId = true, id = `RunEvent_${name}`) {
  return z
    .object({
      event: z.literal(name),
      ...(withId && { id: z.string().meta({ description: "A cursor: send it back as Last-Event-ID to resume" }) }),
      data,
    })
    .meta({ id, description });
}

const RUN_EVENTS = z.union([
  sseEvent("status", RunStatusEventData, "The run changed status (pending, running, waiting, succeeded, ...)"),
  sseEvent("step", RunStepEventData, "A node finished (succeeded, failed or skipped)"),
  sseEvent("log", RunLogEventData, "A line a node logged; a step's lines come before its `step` event"),
  sseEvent(
    "child",
    RunChildEventData,
    "A direct child run of this run changed status (pending, running, waiting, succeeded, ...)",
  ),
  sseEvent("end", RunEndEventData, "The run ended: its result or error; the server then closes the stream"),
  sseEvent(
    "error",
    RunErrorEventData,
    "The client read too slowly and is cut off: reconnect with Last-Event-ID",
    false,
  ),
]);

const StatusEvent = sseEvent(
  "status",
  RunStatusEventData.required({ workflow_id: true }),
  "A run changed status",
  false,
  "RunsStatusEvent",
);

export const runEventPaths: ZodOpenApiPathsObject = {
  "/api/runs/{run_id}/events": {
    get: {
      operationId: "streamRunEvents",
      tags,
      summary: "Follow a run's events (Server-Sent Events)",
      description:
        "Every change of the run, in order, from whichever worker or API process made it (docs/run-events.md): the history first (or what came after `Last-Event-ID`), then each change as it is committed, then `end`, after which the server closes the stream. A stream opened on a finished run sends its history and `end` at once. A comment line every RUN_EVENTS_HEARTBEAT_SECONDS keeps proxies from closing an idle stream. A client further behind than RUN_EVENTS_MAX_BUFFER_BYTES gets an `error` event and is closed; reconnecting with `Last-Event-ID` it misses nothing. The API's shutdown closes open streams (clients reconnect). 401, 403 and 404 come before the stream, as JSON.",
      requestParams: {
        path: runIdParams,
        header: z.object({
          "Last-Event-ID": z.string().optional().meta({ description: "Resume after this event's `id`" }),
        }),
      },
      responses: {
        200: {
          description: "The stream (`text/event-stream`): `id`, `event` and `data` (JSON) lines per event",
          content: { "text/event-stream": { schema: RUN_EVENTS } },
        },
        ...errors(401, 403, 404, 503),
      },
    },
  },
  "/api/events": {
    get: {
      operationId: "streamAllRunEvents",
      tags,
      summary: "Follow the status changes of every run (Server-Sent Events)",
      description:
        "`status` events (with `workflow_id`) of every run, or of one workflow's (`workflow`), or to one status (`status`), from now on: no history and no ids, for dashboards and tailing. Heartbeats and the slow-client cut-off as on a run's stream.",
      requestParams: { query: RunEventsQuery },
      responses: {
        200: {
          description: "The stream (`text/event-stream`)",
          content: { "text/event-stream": { schema: StatusEvent } },
        },
        ...errors(401, 403, 404, 422),
      },
    },
  },
};
