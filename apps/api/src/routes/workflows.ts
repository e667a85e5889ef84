import { Router } from "express";
import { z } from "zod";
import type { Deps } from "@switchyard/core/deps";
import { BadRequestError } from "@switchyard/core/errors";
import { parseInput } from "@switchyard/core/http/parse-input";
import { resolveWorkflow } from "@switchyard/core/workflows/resolve-workflow";
import { diffGraphs } from "@switchyard/core/workflows/version-diff";
import { toVersionJson } from "@switchyard/core/workflows/workflow-json";
import type { VersionDiffResponse } from "@switchyard/core/workflows/workflow-response";
import {
  CreateVersionBody,
  CreateWorkflowBody,
  ListWorkflowsQuery,
  UpdateWorkflowBody,
} from "@switchyard/core/workflows/workflow-schemas";
import {
  archiveWorkflow,
  createVersion,
  createWorkflow,
  getVersion,
  listVersions,
  listWorkflows,
  updateWorkflow,
  workflowJson,
} from "@switchyard/core/workflows/workflow-store";
import { assertValidGraph } from "@switchyard/core/workflows/assert-valid-graph";
import { createNodeRegistry, type NodeRegistry } from "@switchyard/core/engine/node-registry";
import { getRetryPolicy, RetryPolicyBody, updateRetryPolicy } from "@switchyard/core/workflows/retry-policy";
import { getRetention, RetentionBody, updateRetention } from "@switchyard/core/workflows/retention-policy";

// Versions are int4 in Postgres: a larger number cannot exist (and would overflow the query).
const VersionNumber = z.coerce.number().int().min(1).max(2_147_483_647);

function versionParam(raw: string): number {
  const parsed = VersionNumber.safeParse(raw);
  // A version that cannot exist is simply not found.
  return parsed.success ? parsed.data : Number.NaN;
}

/** The detail of `POST /workflows/{ref}/versions/ingest`. */
function ingestUnsupported(ref: string): string {
  return (
    `LangGraph Python scripts are not supported: this platform runs JSON graphs. Create a version with ` +
    `POST /api/workflows/${ref}/versions and a body {"graph": {"nodes": [...], "edges": [...]}} (docs/api.md)`
  );
}

export function workflowRoutes({
  db,
  config,
  registry = createNodeRegistry(),
}: Deps & { registry?: NodeRegistry }): Router {
  const router = Router();

  router.get("/workflows", async (req, res) => {
    const query = parseInput(ListWorkflowsQuery, req.query, "query");
    res.json(await listWorkflows(db, query.include_archived));
  });

  router.post("/workflows", async (req, res) => {
    const body = parseInput(CreateWorkflowBody, req.body);
    res.status(201).json(await createWorkflow(db, body));
  });

  router.get("/workflows/:ref", async (req, res) => {
    res.json(await workflowJson(db, await resolveWorkflow(db, req.params.ref)));
  });

  router.put("/workflows/:ref", async (req, res) => {
    const body = parseInput(UpdateWorkflowBody, req.body);
    res.json(await updateWorkflow(db, await resolveWorkflow(db, req.params.ref), body));
  });

  router.delete("/workflows/:ref", async (req, res) => {
    res.json(await archiveWorkflow(db, await resolveWorkflow(db, req.params.ref)));
  });

  router.get("/workflows/:ref/retry-policy", async (req, res) => {
    res.json(await getRetryPolicy(db, (await resolveWorkflow(db, req.params.ref)).id));
  });

  router.put("/workflows/:ref/retry-policy", async (req, res) => {
    const workflow = await resolveWorkflow(db, req.params.ref);
    res.json(await updateRetryPolicy(db, workflow.id, parseInput(RetryPolicyBody, req.body)));
  });

  router.get("/workflows/:ref/retention", async (req, res) => {
    res.json(await getRetention(db, config, (await resolveWorkflow(db, req.params.ref)).id));
  });

  router.put("/workflows/:ref/retention", async (req, res) => {
    const workflow = await resolveWorkflow(db, req.params.ref);
    res.json(await updateRetention(db, config, workflow.id, parseInput(RetentionBody, req.body)));
  });

  router.post("/workflows/:ref/versions", async (req, res) => {
    const workflow = await resolveWorkflow(db, req.params.ref);
    const body = parseInput(CreateVersionBody, req.body);
    assertValidGraph(body.graph, registry);
    res.status(201).json(await createVersion(db, workflow.id, body));
  });

  // Orcheo's upload of a LangGraph Python script (its SDK's `upload`). Versions here are JSON graphs: a 422 that
  // says where they go, rather than a bare 404 that reads as a wrong workflow or URL.
  router.post("/workflows/:ref/versions/ingest", async (req) => {
    const workflow = await resolveWorkflow(db, req.params.ref);
    throw new BadRequestError(ingestUnsupported(workflow.handle ?? workflow.id), 422, "unsupported");
  });

  router.get("/workflows/:ref/versions", async (req, res) => {
    const workflow = await resolveWorkflow(db, req.params.ref);
    res.json(await listVersions(db, workflow.id));
  });

  router.get("/workflows/:ref/versions/:n", async (req, res) => {
    const workflow = await resolveWorkflow(db, req.params.ref);
    res.json(toVersionJson(await getVersion(db, workflow.id, versionParam(req.params.n))));
  });

  router.get("/workflows/:ref/versions/:a/diff/:b", async (req, res) => {
    const workflow = await resolveWorkflow(db, req.params.ref);
    const base = await getVersion(db, workflow.id, versionParam(req.params.a));
    const target = await getVersion(db, workflow.id, versionParam(req.params.b));
    const diff: VersionDiffResponse = {
      base_version: base.version,
      target_version: target.version,
      diff: diffGraphs(base.graph, target.graph, `v${base.version}`, `v${target.version}`),
    };
    res.json(diff);
  });

  return router;
}
