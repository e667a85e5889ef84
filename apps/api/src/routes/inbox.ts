import { Router, type RequestHandler } from "express";
import type { Deps } from "@switchyard/core/deps";
import { BadRequestError } from "@switchyard/core/errors";
import { parseInput } from "@switchyard/core/http/parse-input";
import { getInboxEntry } from "@switchyard/core/inbox/get-inbox-entry";
import { toInboxEntryJson } from "@switchyard/core/inbox/inbox-response";
import { decodeInboxCursor, listInboxEntries, ListInboxQuery } from "@switchyard/core/inbox/list-inbox-entries";
import { replayInboxEntry } from "@switchyard/core/inbox/replay-inbox-entry";
import { toRunJson } from "@switchyard/core/runs/run-row";
import { resolveWorkflow } from "@switchyard/core/workflows/resolve-workflow";
import { auditActor } from "../middleware/principal";

/**
 * The webhook inbox (docs/inbox.md): every delivery's raw request, listed per workflow, read one at a time and
 * replayed into a new run. Admin scope for all of them (scope-policy.ts): entries hold raw payloads.
 */
export function inboxRoutes(deps: Deps): Router {
  const { db } = deps;
  const router = Router();

  router.get("/workflows/:ref/inbox", async (req, res) => {
    const query = parseInput(ListInboxQuery, req.query, "query");
    const after = query.cursor === undefined ? undefined : decodeInboxCursor(query.cursor);
    if (after === null) throw new BadRequestError("Invalid cursor", 422, "validation");
    const workflow = await resolveWorkflow(db, req.params.ref);
    const page = await listInboxEntries(db, {
      workflowId: workflow.id,
      outcome: query.outcome,
      limit: query.limit,
      after,
    });
    if (page.nextCursor !== null) res.set("X-Next-Cursor", page.nextCursor);
    res.json(page.entries);
  });

  router.get("/inbox/:id", async (req, res) => {
    const { row, body } = await getInboxEntry(db, req.params.id);
    res.json(toInboxEntryJson(row, body));
  });

  router.post("/inbox/:id/replay", replayInbox(deps));

  return router;
}

/** `POST /inbox/:id/replay` (the API's and the dashboard's): 201 with the new run, its audit naming the actor. */
export function replayInbox(deps: Deps): RequestHandler {
  return async (req, res) => {
    const created = await replayInboxEntry(deps, String(req.params.id), auditActor(res, undefined, "replay"));
    res.status(201).json(toRunJson(created.run, created.audit));
  };
}
