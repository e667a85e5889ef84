import { hasProtoKey } from "../proto-keys";
import type { z } from "zod";
import { Prisma, type Db } from "../db";
import { ConflictError, NotFoundError } from "../errors";
import type { Workflow } from "../generated/prisma/client";
import { toVersionJson, toWorkflowJson } from "./workflow-json";
import type { CreateVersionBody, CreateWorkflowBody, UpdateWorkflowBody } from "./workflow-schemas";
import { workflowSlug } from "./workflow-slug";

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002";
}

async function withSummary(db: Db, workflows: Workflow[]) {
  const ids = workflows.map((w) => w.id);
  const [latest, crons] = await Promise.all([
    db.workflowVersion.groupBy({ by: ["workflowId"], where: { workflowId: { in: ids } }, _max: { version: true } }),
    db.cronTrigger.findMany({ where: { workflowId: { in: ids } }, select: { workflowId: true } }),
  ]);
  const latestBy = new Map(latest.map((l) => [l.workflowId, l._max.version]));
  const scheduled = new Set(crons.map((c) => c.workflowId));
  return workflows.map((w) =>
    toWorkflowJson(w, { latestVersion: latestBy.get(w.id) ?? null, isScheduled: scheduled.has(w.id) }),
  );
}

export async function listWorkflows(db: Db, includeArchived: boolean) {
  const workflows = await db.workflow.findMany({
    where: includeArchived ? {} : { isArchived: false },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  return withSummary(db, workflows);
}

export async function workflowJson(db: Db, workflow: Workflow) {
  const [json] = await withSummary(db, [workflow]);
  return json!;
}

export async function createWorkflow(db: Db, body: z.infer<typeof CreateWorkflowBody>) {
  try {
    const workflow = await db.workflow.create({
      data: {
        name: body.name,
        handle: body.handle ?? null,
        slug: workflowSlug(body.slug || body.name),
        description: body.description ?? null,
        tags: body.tags,
      },
    });
    return workflowJson(db, workflow);
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(`Workflow handle '${body.handle ?? ""}' is already in use`);
    throw err;
  }
}

export async function updateWorkflow(db: Db, workflow: Workflow, body: z.infer<typeof UpdateWorkflowBody>) {
  const updated = await db.workflow.update({
    where: { id: workflow.id },
    data: {
      ...(body.name !== undefined && { name: body.name }),
      ...(body.description !== undefined && { description: body.description }),
      ...(body.tags !== undefined && { tags: body.tags }),
      ...(body.is_archived !== undefined && { isArchived: body.is_archived }),
    },
  });
  return workflowJson(db, updated);
}

export async function archiveWorkflow(db: Db, workflow: Workflow) {
  return updateWorkflow(db, workflow, { is_archived: true });
}

/**
 * Versions count 1, 2, 3 per workflow. The workflow row is locked while the next number is taken, so two
 * concurrent creations never race; the unique (workflow_id, version) key backs that up.
 */
export async function createVersion(db: Db, workflowId: string, body: z.infer<typeof CreateVersionBody>) {
  const version = await db.$transaction(async (tx) => {
    await tx.$queryRawUnsafe(`SELECT 1 FROM workflows WHERE id = $1::uuid FOR UPDATE`, workflowId);
    const last = await tx.workflowVersion.aggregate({ where: { workflowId }, _max: { version: true } });
    const created = await tx.workflowVersion.create({
      data: {
        workflowId,
        version: (last._max.version ?? 0) + 1,
        graph: body.graph as Prisma.InputJsonValue,
        metadata: body.metadata as Prisma.InputJsonValue,
        runnableConfig: (body.runnable_config ?? Prisma.DbNull) as Prisma.InputJsonValue,
        notes: body.notes ?? null,
        createdBy: body.created_by,
      },
    });
    // Prisma copies JSON input key by key and so drops `__proto__` keys: documents holding one go in as text.
    if (!hasProtoKey(body.graph) && !hasProtoKey(body.metadata)) return created;
    await tx.$executeRawUnsafe(
      `UPDATE workflow_versions SET graph = $1::jsonb, metadata = $2::jsonb WHERE id = $3::uuid`,
      JSON.stringify(body.graph),
      JSON.stringify(body.metadata),
      created.id,
    );
    return { ...created, graph: body.graph as Prisma.JsonValue, metadata: body.metadata as Prisma.JsonValue };
  });
  return toVersionJson(version);
}

export async function listVersions(db: Db, workflowId: string) {
  const versions = await db.workflowVersion.findMany({ where: { workflowId }, orderBy: { version: "asc" } });
  return versions.map(toVersionJson);
}

export async function getVersion(db: Db, workflowId: string, number: number) {
  const version = Number.isSafeInteger(number)
    ? await db.workflowVersion.findUnique({ where: { workflowId_version: { workflowId, version: number } } })
    : null;
  if (version === null) throw new NotFoundError("Workflow version not found");
  return version;
}
