import { Router } from "express";
import type { Deps } from "@switchyard/core/deps";
import { NotFoundError } from "@switchyard/core/errors";
import { parseCronConfig, toCronConfigJson } from "@switchyard/core/triggers/cron/cron-config";
import { deleteCronConfig, findCronConfig, saveCronConfig } from "@switchyard/core/triggers/cron/cron-config-store";
import { parseDispatchNow } from "@switchyard/core/triggers/cron/cron-dispatch-body";
import { dispatchCronRuns } from "@switchyard/core/triggers/cron/dispatch-cron-runs";
import { getCronOutlook } from "@switchyard/core/triggers/cron/cron-occurrences";
import { parseInput } from "@switchyard/core/http/parse-input";
import { z } from "zod";
import { resolveWorkflow } from "@switchyard/core/workflows/resolve-workflow";

/** `GET /api/workflows/{ref}/triggers/cron/occurrences`: documented from this schema (openapi/paths/trigger-paths.ts). */
export const OccurrencesQuery = z.strictObject({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(500)
    .default(50)
    .meta({ description: "How many of the latest decided occurrences" }),
});

/** The cron trigger's config (per workflow) and the dispatch the beat calls (api.md, Cron trigger). */
export function cronRoutes(deps: Deps): Router {
  const { db } = deps;
  const router = Router();
  const path = "/workflows/:ref/triggers/cron/config";

  router.put(path, async (req, res) => {
    const workflow = await resolveWorkflow(db, req.params.ref);
    const now = new Date();
    const config = parseCronConfig(req.body, now);
    res.json(toCronConfigJson(await saveCronConfig(db, workflow.id, config, now)));
  });

  router.get(path, async (req, res) => {
    const workflow = await resolveWorkflow(db, req.params.ref);
    const config = await findCronConfig(db, workflow.id);
    if (config === null) throw new NotFoundError("Cron trigger not found");
    res.json(toCronConfigJson(config));
  });

  router.delete(path, async (req, res) => {
    const workflow = await resolveWorkflow(db, req.params.ref);
    await deleteCronConfig(db, workflow.id);
    res.status(204).end();
  });

  // Beyond Orcheo: the next fire times and what the dispatcher decided for the latest occurrences.
  router.get("/workflows/:ref/triggers/cron/occurrences", async (req, res) => {
    const query = parseInput(OccurrencesQuery, req.query, "query");
    const workflow = await resolveWorkflow(db, req.params.ref);
    res.json(await getCronOutlook(db, workflow.id, new Date(), { count: 10, limit: query.limit }));
  });

  router.post("/triggers/cron/dispatch", async (req, res) => {
    const now = parseDispatchNow(req.body, new Date());
    res.json(await dispatchCronRuns(deps, now));
  });

  return router;
}
