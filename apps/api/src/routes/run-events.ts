import { Router } from "express";
import type { Deps } from "@switchyard/core/deps";
import { NotFoundError } from "@switchyard/core/errors";
import { parseInput } from "@switchyard/core/http/parse-input";
import type { LiveRuns } from "@switchyard/core/run-events/live-runs";
import { parseRunEventCursor } from "@switchyard/core/run-events/run-event-cursor";
import { RunEventsQuery } from "@switchyard/core/run-events/run-event-schemas";
import { isUuid, resolveWorkflow } from "@switchyard/core/workflows/resolve-workflow";
import { createSseSink } from "./sse-sink";

/**
 * GET /api/runs/{run_id}/events and GET /api/events (read scope; docs/run-events.md). A run's stream sends its
 * history after `Last-Event-ID` (from Postgres), then every change as it is committed, then `end`, and closes.
 */
export function runEventRoutes(deps: Deps, live: LiveRuns): Router {
  const { db, config } = deps;
  const router = Router();

  router.get("/runs/:runId/events", async (req, res) => {
    const raw = req.params.runId;
    if (!isUuid(raw)) throw new NotFoundError("Workflow run not found");
    const runId = raw.toLowerCase();
    const sink = createSseSink(res, config.RUN_EVENTS_MAX_BUFFER_BYTES);
    // Registered before the history is read: a change committed meanwhile is read after it, not lost.
    const stream = live.streams.open(runId, sink);
    res.on("close", stream.close);
    let history;
    try {
      history = await live.streams.readHistory({ runId, cursor: parseRunEventCursor(req.get("last-event-id")) });
    } catch (err) {
      stream.close();
      throw err;
    }
    if (history === null || history === undefined) {
      stream.close();
      throw new NotFoundError("Workflow run not found");
    }
    sink.open();
    if (!sink.send(history.events)) return stream.close();
    if (history.ended) {
      sink.end();
      return stream.close();
    }
    stream.start(history.cursor, history.held);
  });

  router.get("/events", async (req, res) => {
    const query = parseInput(RunEventsQuery, req.query, "query");
    const workflowId = query.workflow === undefined ? undefined : (await resolveWorkflow(db, query.workflow)).id;
    const sink = createSseSink(res, config.RUN_EVENTS_MAX_BUFFER_BYTES);
    sink.open();
    const stop = live.streams.watchAll(
      { ...(workflowId !== undefined && { workflowId }), ...(query.status !== undefined && { status: query.status }) },
      sink,
    );
    res.on("close", stop);
  });

  return router;
}
