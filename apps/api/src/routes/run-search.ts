import { Router } from "express";
import type { Deps } from "@switchyard/core/deps";
import { NotFoundError, ValidationError } from "@switchyard/core/errors";
import { parseInput } from "@switchyard/core/http/parse-input";
import { decodeCursor, encodeCursor } from "@switchyard/core/runs/run-cursor";
import { listRunSteps } from "@switchyard/core/runs/list-run-steps";
import { toRunJson } from "@switchyard/core/runs/run-row";
import { parseRunSearchTerm, SearchRunsQuery } from "@switchyard/core/runs/run-search-query";
import { searchRuns } from "@switchyard/core/runs/search-runs";
import { isUuid, resolveWorkflow } from "@switchyard/core/workflows/resolve-workflow";
import { listAuditEntries } from "@switchyard/core/runs/list-audit-entries";

/** Beyond Orcheo: runs across workflows (the dashboard's list and search) and a run's stored steps. */
export function runSearchRoutes({ db }: Deps): Router {
  const router = Router();

  router.get("/runs", async (req, res) => {
    const query = parseInput(SearchRunsQuery, req.query, "query");
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (after === null) throw new ValidationError("Invalid cursor");
    const workflow = query.workflow === undefined ? undefined : await resolveWorkflow(db, query.workflow);
    const page = await searchRuns(db, {
      workflowId: workflow?.id,
      parentRunId: query.parent?.toLowerCase(),
      status: query.status,
      triggeredBy: query.triggered_by,
      createdAfter: query.created_after,
      createdBefore: query.created_before,
      term: query.q === undefined ? undefined : parseRunSearchTerm(query.q),
      limit: query.limit,
      after,
    });
    const audit = await listAuditEntries(
      db,
      page.runs.map((r) => r.id),
    );
    if (page.next !== null) res.set("X-Next-Cursor", encodeCursor(page.next));
    res.json(page.runs.map((r) => toRunJson(r, audit.get(r.id) ?? [])));
  });

  router.get("/runs/:runId/steps", async (req, res) => {
    if (!isUuid(req.params.runId)) throw new NotFoundError("Workflow run not found");
    res.json(await listRunSteps(db, req.params.runId.toLowerCase()));
  });

  return router;
}
