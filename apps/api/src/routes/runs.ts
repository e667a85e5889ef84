import { Router } from "express";
import type { Deps } from "@switchyard/core/deps";
import { BadRequestError, NotFoundError } from "@switchyard/core/errors";
import { parseInput } from "@switchyard/core/http/parse-input";
import { dispatchRuns } from "@switchyard/core/runs/dispatch-runs";
import { decodeCursor } from "@switchyard/core/runs/run-cursor";
import { applyRunAction, cancelOutcome, getRunJson } from "@switchyard/core/runs/run-actions";
import { retryRun } from "@switchyard/core/runs/retry-run";
import { publishRunCancel } from "@switchyard/core/runs/run-cancellation";
import { signalRun } from "@switchyard/core/runs/signal-run";
import { toRunJson } from "@switchyard/core/runs/run-row";
import {
  CancelRunBody,
  CreateRunBody,
  FailRunBody,
  ListRunsQuery,
  RetryRunBody,
  StartRunBody,
  SucceedRunBody,
} from "@switchyard/core/runs/run-schemas";
import { isUuid, parseWorkflowRef, resolveWorkflow } from "@switchyard/core/workflows/resolve-workflow";
import { listRunsPage } from "@switchyard/core/runs/list-runs-page";
import { cancelRunDescendants } from "@switchyard/core/runs/cancel-run-descendants";
import { countChildren } from "@switchyard/core/runs/count-children";

import { auditActor } from "../middleware/principal";

/** A run id that is not a UUID cannot exist. */
function runIdParam(raw: string): string {
  if (!isUuid(raw)) throw new NotFoundError("Workflow run not found");
  return raw.toLowerCase();
}

export function runRoutes(deps: Deps): Router {
  const { db } = deps;
  const router = Router();

  // Orcheo's caller-driven run: created pending and moved through the transitions by the caller, unless
  // `execute: true` hands it to the workers like a trigger would.
  router.post("/workflows/:ref/runs", async (req, res) => {
    const body = parseInput(CreateRunBody, req.body);
    const workflow = await resolveWorkflow(db, req.params.ref, { activeOnly: true });
    const version = await db.workflowVersion.findFirst({
      where: { id: body.workflow_version_id, workflowId: workflow.id },
      select: { id: true },
    });
    if (version === null) throw new NotFoundError("Workflow version not found");
    const [created] = await dispatchRuns(deps, [
      {
        workflowId: workflow.id,
        workflowVersionId: version.id,
        triggeredBy: body.triggered_by,
        inputPayload: body.input_payload,
        runnableConfig: body.runnable_config ?? null,
        execute: body.execute,
        priority: body.priority ?? null,
        actor: auditActor(res, body.triggered_by, body.triggered_by).actor,
      },
    ]);
    res.status(201).json(toRunJson(created!.run, created!.audit));
  });

  router.get("/workflows/:ref/runs", async (req, res) => {
    const query = parseInput(ListRunsQuery, req.query, "query");
    const workflow = parseWorkflowRef(req.params.ref);
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (after === null) throw new BadRequestError("Invalid cursor", 422, "validation");
    const page =
      workflow === null
        ? null
        : await listRunsPage(db, {
            workflow,
            limit: query.limit,
            status: query.status,
            triggeredBy: query.triggered_by,
            after,
          });
    if (page === null) throw new NotFoundError("Workflow not found");
    if (page.nextCursor !== null) res.set("X-Next-Cursor", page.nextCursor);
    res.type("json").send(page.json);
  });

  router.get("/runs/:runId", async (req, res) => {
    const runId = runIdParam(req.params.runId);
    const run = await getRunJson(db, runId);
    res.json({ ...run, children: await countChildren(db, runId) });
  });

  // Audit entries name the acting key; Orcheo's `actor` from the body is kept as metadata.actor (auditActor).
  // start, succeed and fail apply to caller-driven runs only: a run the workers execute answers 409.
  router.post("/runs/:runId/start", async (req, res) => {
    const body = parseInput(StartRunBody, req.body ?? {});
    res.json(await applyRunAction(deps, runIdParam(req.params.runId), "start", auditActor(res, body.actor, "system")));
  });

  router.post("/runs/:runId/succeed", async (req, res) => {
    const body = parseInput(SucceedRunBody, req.body ?? {});
    res.json(
      await applyRunAction(deps, runIdParam(req.params.runId), "succeed", {
        ...auditActor(res, body.actor, "system"),
        outputPayload: body.output ?? null,
      }),
    );
  });

  router.post("/runs/:runId/fail", async (req, res) => {
    const body = parseInput(FailRunBody, req.body ?? {});
    const { actor, metadata } = auditActor(res, body.actor, "system");
    res.json(
      await applyRunAction(deps, runIdParam(req.params.runId), "fail", {
        actor,
        error: body.error,
        metadata: { error: body.error, ...metadata },
      }),
    );
  });

  router.post("/runs/:runId/cancel", async (req, res) => {
    const body = parseInput(CancelRunBody, req.body ?? {});
    const { actor, metadata } = auditActor(res, body.actor, "system");
    const cancelled = cancelOutcome(body.reason);
    const run = await applyRunAction(deps, runIdParam(req.params.runId), "cancel", {
      actor,
      error: cancelled.error,
      metadata: { ...cancelled.metadata, ...metadata },
    });
    // Beyond Orcheo: whichever worker executes the run aborts its work in progress.
    await publishRunCancel(deps.redis, deps.config.QUEUE_PREFIX, run.id, deps.logger);
    await cancelRunDescendants(deps, run.id);
    res.json(run);
  });

  // Beyond Orcheo: the body becomes the output of the wait_for_signal node the run is parked on.
  router.post("/runs/:runId/signals/:name", async (req, res) => {
    const { actor } = auditActor(res, undefined, "signal");
    res.json(await signalRun(deps, runIdParam(req.params.runId), req.params.name, req.body ?? {}, actor));
  });

  router.post("/runs/:runId/retry", async (req, res) => {
    const body = parseInput(RetryRunBody, req.body ?? {});
    const { actor, metadata } = auditActor(res, body.actor, "system");
    res.status(201).json(await retryRun(deps, runIdParam(req.params.runId), actor, metadata));
  });

  return router;
}
