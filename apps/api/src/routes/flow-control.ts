import { Router } from "express";
import type { Deps } from "@switchyard/core/deps";
import { parseInput } from "@switchyard/core/http/parse-input";
import { resolveWorkflow } from "@switchyard/core/workflows/resolve-workflow";
import {
  ConcurrencyBody,
  getConcurrencyLimits,
  updateConcurrencyLimits,
} from "@switchyard/core/flow/concurrency-limits";
import { getRateLimit, parseRateLimitBody, RateLimitBody, updateRateLimit } from "@switchyard/core/flow/rate-limit";
import { getRouting, RoutingBody, updateRouting } from "@switchyard/core/flow/routing";

/** A workflow's flow control (docs/flow-control.md): its concurrency limits, start rate limit and routing. */
export function flowControlRoutes({ db }: Deps): Router {
  const router = Router();

  router.get("/workflows/:ref/concurrency", async (req, res) => {
    res.json(await getConcurrencyLimits(db, (await resolveWorkflow(db, req.params.ref)).id));
  });

  router.put("/workflows/:ref/concurrency", async (req, res) => {
    const workflow = await resolveWorkflow(db, req.params.ref);
    res.json(await updateConcurrencyLimits(db, workflow.id, parseInput(ConcurrencyBody, req.body ?? {})));
  });

  router.get("/workflows/:ref/rate-limit", async (req, res) => {
    res.json(await getRateLimit(db, (await resolveWorkflow(db, req.params.ref)).id));
  });

  router.put("/workflows/:ref/rate-limit", async (req, res) => {
    const workflow = await resolveWorkflow(db, req.params.ref);
    const body = parseRateLimitBody(req.body ?? null);
    res.json(await updateRateLimit(db, workflow.id, body === null ? null : parseInput(RateLimitBody, body)));
  });

  router.get("/workflows/:ref/routing", async (req, res) => {
    res.json(await getRouting(db, (await resolveWorkflow(db, req.params.ref)).id));
  });

  router.put("/workflows/:ref/routing", async (req, res) => {
    const workflow = await resolveWorkflow(db, req.params.ref);
    res.json(await updateRouting(db, workflow.id, parseInput(RoutingBody, req.body ?? {})));
  });

  return router;
}
