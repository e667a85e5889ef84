import { z } from "zod";
import { defineNodeType } from "../node-type";

/**
 * Answers the webhook delivery that waits for its run (`response.mode: "wait"` or `?wait=`) at once, with this
 * status, headers and body, while the run goes on (docs/sync-webhooks.md). The API finds the answer in the node's
 * step, written as soon as it ran (a side effect: a resumed run does not answer twice). Without a waiting delivery
 * it does nothing else: its output records what it would have sent.
 */
export const respondNode = defineNodeType({
  type: "respond",
  params: z.strictObject({
    status: z.number().int().min(200).max(599).default(200),
    headers: z
      .record(
        z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,200}$/, "must be an HTTP header name"),
        z.string().max(8192),
      )
      .default({}),
    body: z.unknown().optional(),
  }),
  sideEffects: true,
  run: async (params) => ({ status: params.status, headers: params.headers, body: params.body ?? null }),
});
