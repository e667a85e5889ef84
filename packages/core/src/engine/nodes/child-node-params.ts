import { z } from "zod";
import { NodeError, type NodeContext } from "../node-type";
import type { ChildRuns } from "../child-runs";

/** `workflow` and `version`, as both the workflow and the map node take them. */
export const ChildWorkflowParams = {
  workflow: z.string().min(1, "workflow must name a workflow (its handle or id)").max(200),
  version: z.number().int().min(1).optional(),
};

export function childRunsOf(ctx: NodeContext): ChildRuns {
  if (ctx.children === undefined) throw new NodeError("child runs are only available to runs a worker executes");
  return ctx.children;
}

/** The group this try parked on, if the node resumed in the try that created it. */
export function parkedGroupOf(ctx: NodeContext): string | null {
  const wait = ctx.wait;
  return wait?.kind === "children" && wait.node_try === (ctx.nodeTry ?? 1) ? wait.group_id : null;
}
