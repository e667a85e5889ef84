import { z } from "zod";
import { NodeError, defineNodeType } from "../node-type";
import { ParkRequest } from "../wait-state";

export const SIGNAL_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/**
 * Parks the run until `POST /api/runs/{id}/signals/{name}`, whose body becomes this node's output (the API
 * writes it as the node's step, so the resumed run takes it from its checkpoints and never runs this node
 * again). Past `timeout_seconds` a resume job runs the node once more, and it fails.
 */
export const waitForSignalNode = defineNodeType({
  type: "wait_for_signal",
  params: z.strictObject({
    name: z.string().regex(SIGNAL_NAME, "name must be 1-100 characters of A-Z, a-z, 0-9, _, . or -"),
    timeout_seconds: z
      .number()
      .positive()
      .max(366 * 86_400)
      .optional(),
  }),
  sideEffects: false,
  run: async (params, ctx) => {
    const now = Date.now();
    const wait = ctx.wait?.kind === "signal" ? ctx.wait : null;
    const seconds = params.timeout_seconds ?? null;
    const timeoutAt =
      wait !== null ? wait.timeout_at : seconds === null ? null : new Date(now + seconds * 1_000).toISOString();
    if (timeoutAt !== null && Date.parse(timeoutAt) <= now) {
      throw new NodeError(`no signal '${params.name}' within ${wait?.timeout_seconds ?? seconds} seconds`);
    }
    throw new ParkRequest({ kind: "signal", name: params.name, timeout_at: timeoutAt, timeout_seconds: seconds });
  },
});
