import { z } from "zod";
import { defineNodeType } from "../node-type";
import { ParkRequest } from "../wait-state";

const DelayParams = z
  .strictObject({
    seconds: z
      .number()
      .min(0)
      .max(366 * 86_400)
      .optional(),
    until: z.iso.datetime({ offset: true, message: "until must be an ISO-8601 time with an offset" }).optional(),
  })
  .refine((p) => (p.seconds === undefined) !== (p.until === undefined), "give exactly one of seconds and until");

/**
 * Durable delay: the run is parked as `waiting` (no worker slot, no open job) and a delayed job resumes it.
 * The end is fixed when the node first runs, so a resume that comes early parks it again until then.
 */
export const delayNode = defineNodeType({
  type: "delay",
  params: DelayParams,
  sideEffects: false,
  run: async (params, ctx) => {
    const now = Date.now();
    const wait = ctx.wait?.kind === "delay" ? ctx.wait : null;
    const resumeAt =
      wait !== null
        ? Date.parse(wait.resume_at)
        : params.until !== undefined
          ? Date.parse(params.until)
          : now + (params.seconds ?? 0) * 1_000;
    if (resumeAt <= now) return { resumed_at: new Date(now).toISOString() };
    throw new ParkRequest({ kind: "delay", resume_at: new Date(resumeAt).toISOString() });
  },
});
