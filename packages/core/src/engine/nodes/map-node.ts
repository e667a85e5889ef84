import { z } from "zod";
import { evaluateExpression } from "../compile-expression";
import { NodeError, defineNodeType } from "../node-type";
import { ParkRequest } from "../wait-state";
import { ChildWorkflowParams, childRunsOf, parkedGroupOf } from "./child-node-params";
import type { ChildGroupState } from "../child-runs";

/**
 * Fans out over a list: one child run per item (`input_payload` `{item, index}`), at most `concurrency` live at
 * once, created in index order as slots free. The run parks (no worker slot) until the children are done, then
 * fans back in: `{results, runs, succeeded, failed, cancelled}` in item order. `fail_fast`: the first child that
 * does not succeed cancels the live ones and fails the node with its error; `collect`: every child runs.
 */
export const mapNode = defineNodeType({
  type: "map",
  params: z.strictObject({
    items: z.string().min(1, "items must be an expression yielding a list"),
    ...ChildWorkflowParams,
    concurrency: z.number().int().min(1).max(1_000).default(10),
    on_failure: z.enum(["fail_fast", "collect"]).default("fail_fast"),
  }),
  expressionParams: ["items"],
  sideEffects: true,
  run: async (params, ctx, signal) => {
    const children = childRunsOf(ctx);
    const nodeTry = ctx.nodeTry ?? 1;
    let groupId = parkedGroupOf(ctx);
    if (groupId === null) {
      const items = await evaluateExpression(params.items, ctx.context, {
        ...(ctx.expressionLimits !== undefined && { limits: ctx.expressionLimits }),
        signal,
      });
      if (!Array.isArray(items)) throw new NodeError(`items must be a list, got ${describe(items)}`);
      if (items.length > children.maxItems) {
        throw new NodeError(`items has ${items.length} elements, more than MAP_MAX_ITEMS (${children.maxItems})`);
      }
      if (items.length === 0) return { results: [], runs: [], succeeded: 0, failed: 0, cancelled: 0 };
      const opened = await children.open({
        nodeId: ctx.nodeId,
        nodeTry,
        workflow: params.workflow,
        version: params.version,
        inputs: items.map((item: unknown, index) => ({ item, index })),
        concurrency: params.concurrency,
        onFailure: params.on_failure,
        wait: true,
      });
      groupId = opened.groupId;
    }
    const state = await children.read(groupId, true);
    if (!state.resolved) throw new ParkRequest({ kind: "children", group_id: groupId, node_try: nodeTry });
    if (params.on_failure === "fail_fast" && state.failed !== null) {
      await children.cancelLive(groupId);
      const failed = state.failed;
      throw new NodeError(failed.error ?? `child run ${failed.id ?? ""} ${failed.status}`);
    }
    return fanIn(state);
  },
});

function fanIn(state: ChildGroupState) {
  const count = (status: string) => state.children.filter((c) => c.status === status).length;
  return {
    results: state.children.map((c) => (c.status === "succeeded" ? c.result : null)),
    runs: state.children.map((c) => ({ id: c.id, status: c.status, error: c.error })),
    succeeded: count("succeeded"),
    failed: count("failed"),
    cancelled: count("cancelled"),
  };
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
