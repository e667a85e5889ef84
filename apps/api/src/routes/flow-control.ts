import { Router } from "express";
import type { Deps } from "@switchyard/core/deps";
import { parseInput } from "@switchyard/core/http/parse-input";
import { resolveWorkflow } from "@switchyard/core/workflows/resolve-workflow";
import {
  ConcurrencyBody,
  getConcurrencyLimits,
  updateConcurrencyLimits,
} from "@switchyard/core/flow/concurrency-limits";

/** A workflow's flow control (docs/flow-control.md): its concurrency limits. */
export function flowControlRoutes({ db }: Deps): Router {
  const router = Router();

  router.get("/workflows/:ref/concurrency", async (req, res) => {
    res.json(await getConcurrencyLimits(db, (await resolveWorkflow(db, req.params.ref)).id));
  });

  router.put("/workflows/:ref/concurrency", async (req, res) => {
    const workflow = await resolveWorkflow(db, req.params.ref);
    res.json(await updateConcurrencyLimits(db, workflow.id, parseInput(ConcurrencyBody, req.body ?? {})));
  });

  return router;
}
