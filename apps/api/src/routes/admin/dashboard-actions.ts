import { Router } from "express";
import { z } from "zod";
import type { Deps } from "@switchyard/core/deps";
import { NotFoundError } from "@switchyard/core/errors";
import { parseInput } from "@switchyard/core/http/parse-input";
import { retryRun } from "@switchyard/core/runs/retry-run";
import { applyRunAction, cancelOutcome } from "@switchyard/core/runs/run-actions";
import { publishRunCancel } from "@switchyard/core/runs/run-cancellation";
import { dispatchManualRuns } from "@switchyard/core/triggers/manual/dispatch-manual-runs";
import { isUuid } from "@switchyard/core/workflows/resolve-workflow";
import { dashboardActor } from "./auth";
import { findRun } from "@switchyard/core/runs/find-run";

/** The actions' bodies, also what the OpenAPI document shows (openapi/paths/dashboard-paths.ts). */
export const CancelBody = z.strictObject({
  reason: z
    .string()
    .trim()
    .max(10_000)
    .nullish()
    .meta({ description: "Kept in the audit entry's metadata and as the run's `error`" }),
});
export const RetryBody = z.strictObject({});
export const RerunBody = z.strictObject({
  input_payload: z.record(z.string(), z.unknown()).meta({ description: "The new run's input, as edited on the page" }),
});

function runIdParam(raw: string): string {
  if (!isUuid(raw)) throw new NotFoundError("Workflow run not found");
  return raw.toLowerCase();
}

/**
 * The dashboard's run actions, through the same core paths as the API's (run actions, retry, manual dispatch),
 * with the authenticated principal as the audit entry's actor instead of an actor named in the body.
 */
export function dashboardActionRoutes(deps: Deps): Router {
  const router = Router();

  router.post("/runs/:runId/cancel", async (req, res) => {
    const body = parseInput(CancelBody, req.body ?? {});
    const run = await applyRunAction(deps, runIdParam(req.params.runId), "cancel", {
      actor: dashboardActor(res),
      ...cancelOutcome(body.reason),
    });
    await publishRunCancel(deps.redis, deps.config.QUEUE_PREFIX, run.id, deps.logger);
    res.json(run);
  });

  router.post("/runs/:runId/retry", async (req, res) => {
    parseInput(RetryBody, req.body ?? {});
    res.status(201).json(await retryRun(deps, runIdParam(req.params.runId), dashboardActor(res)));
  });

  // Re-run: a new manual run of the same version with the input as edited on the page.
  router.post("/runs/:runId/rerun", async (req, res) => {
    const body = parseInput(RerunBody, req.body ?? {});
    const old = await findRun(deps.db, runIdParam(req.params.runId));
    if (old === null) throw new NotFoundError("Workflow run not found");
    const [run] = await dispatchManualRuns(deps, {
      workflow_id: old.workflowId,
      actor: dashboardActor(res),
      runs: [{ workflow_version_id: old.workflowVersionId, input_payload: body.input_payload }],
      label: null,
    });
    res.status(201).json(run);
  });

  return router;
}
