import { Router } from "express";
import type { Deps } from "@switchyard/core/deps";
import { NotFoundError } from "@switchyard/core/errors";
import { parseInput } from "@switchyard/core/http/parse-input";
import { getExecutionHistory, listExecutionHistories } from "@switchyard/core/runs/execution-history";
import { ListExecutionsQuery } from "@switchyard/core/runs/run-schemas";
import { isUuid, resolveWorkflow } from "@switchyard/core/workflows/resolve-workflow";

export function executionRoutes({ db }: Deps): Router {
  const router = Router();

  router.get("/executions/:runId/history", async (req, res) => {
    if (!isUuid(req.params.runId)) throw new NotFoundError("Execution history not found");
    res.json(await getExecutionHistory(db, req.params.runId.toLowerCase()));
  });

  router.get("/workflows/:ref/executions", async (req, res) => {
    const query = parseInput(ListExecutionsQuery, req.query, "query");
    const workflow = await resolveWorkflow(db, req.params.ref);
    res.json(await listExecutionHistories(db, workflow.id, query.limit));
  });

  return router;
}
