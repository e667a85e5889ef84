import { Router } from "express";
import type { Deps } from "@switchyard/core/deps";
import { parseInput } from "@switchyard/core/http/parse-input";
import { dispatchManualRuns } from "@switchyard/core/triggers/manual/dispatch-manual-runs";
import { ManualDispatchBody } from "@switchyard/core/runs/run-schemas";
import { auditActor } from "../middleware/principal";

export function manualRoutes(deps: Deps): Router {
  const router = Router();
  router.post("/triggers/manual/dispatch", async (req, res) => {
    const body = parseInput(ManualDispatchBody, req.body);
    // The run_created entries name the acting key; the body's actor is kept as their metadata.actor.
    const { actor, metadata } = auditActor(res, body.actor, "manual");
    res.json(await dispatchManualRuns(deps, { ...body, actor }, metadata));
  });
  return router;
}
