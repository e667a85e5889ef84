import { z } from "zod";
import { NodeError, defineNodeType } from "../node-type";
import { ParkRequest } from "../wait-state";
import { ChildWorkflowParams, childRunsOf, parkedGroupOf } from "./child-node-params";

/**
 * Calls another workflow (or this one, within MAX_RUN_DEPTH) as a child run. `wait: true` parks the run, which holds
 * no worker slot, until the child finishes: its result is the output, and a child that does not succeed fails the
 * node (a retry of the node creates a new child). `wait: false`: the output is `{run_id}` at once.
 */
export const workflowNode = defineNodeType({
  type: "workflow",
  params: z.strictObject({
    ...ChildWorkflowParams,
    input: z.unknown().default({}),
    wait: z.boolean().default(true),
  }),
  sideEffects: true,
  run: async (params, ctx) => {
    const children = childRunsOf(ctx);
    const nodeTry = ctx.nodeTry ?? 1;
    const groupId =
      parkedGroupOf(ctx) ??
      (
        await children.open({
          nodeId: ctx.nodeId,
          nodeTry,
          workflow: params.workflow,
          version: params.version,
          inputs: [params.input],
          concurrency: 1,
          onFailure: "fail_fast",
          wait: params.wait,
        })
      ).groupId;
    const state = await children.read(groupId, !params.wait);
    if (!params.wait) return { run_id: state.children[0]?.id ?? null };
    if (!state.resolved) throw new ParkRequest({ kind: "children", group_id: groupId, node_try: nodeTry });
    const child = state.children[0];
    if (child === undefined || child.status !== "succeeded") {
      const failed = state.failed ?? child;
      throw new NodeError(failed?.error ?? `child run ${failed?.id ?? ""} ${failed?.status ?? "failed"}`);
    }
    return child.result;
  },
});
