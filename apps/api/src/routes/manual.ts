import { Router } from "express";
import type { Deps } from "@switchyard/core/deps";
import { parseInput } from "@switchyard/core/http/parse-input";
import { dispatchManualRuns } from "@switchyard/core/triggers/manual/dispatch-manual-runs";
import { ManualDispatchBody } from "@switchyard/core/runs/run-schemas";

export function manualRoutes(deps: Deps): Router {
  const router = Router();
  router.post("/triggers/manual/dispatch", async (req, res) => {
    const body = parseInput(ManualDispatchBody, req.body);
    res.json(await dispatchManualRuns(deps, body));
  });
  return router;
}
