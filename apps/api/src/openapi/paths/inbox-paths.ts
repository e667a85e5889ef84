import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import { InboxEntryResponse, InboxEntrySummaryResponse } from "@switchyard/core/inbox/inbox-response";
import { ListInboxQuery } from "@switchyard/core/inbox/list-inbox-entries";
import { RunResponse } from "@switchyard/core/runs/run-response";
import { errors, json, ok, workflowRefParams } from "../openapi-common";

const tags = ["Webhook inbox"];
const inboxIdParams = z.object({
  id: z.string().meta({ description: "The inbox entry's UUID (anything else is 404)" }),
});
const ADMIN_SCOPE = "Admin scope (entries hold raw payloads).";

export const inboxPaths: ZodOpenApiPathsObject = {
  "/api/workflows/{workflow_ref}/inbox": {
    get: {
      operationId: "listInboxEntries",
      tags,
      summary: "List a workflow's webhook deliveries, newest first",
      description: `${ADMIN_SCOPE} Every delivery to the workflow's webhook, accepted or rejected (not a 404 for an unknown workflow), without its body. An accepted delivery's entry is committed with its run; a rejected one's is written after the answer, at most INBOX_REJECTED_PER_MINUTE per workflow and minute. Kept INBOX_RETENTION_DAYS. Keyset pagination: when more entries follow, the \`X-Next-Cursor\` header holds the \`cursor\` of the next page.`,
      requestParams: { path: workflowRefParams, query: ListInboxQuery },
      responses: {
        200: {
          description: "The entries",
          headers: z.object({
            "X-Next-Cursor": z.string().optional().meta({ description: "Present when more entries follow" }),
          }),
          ...json(z.array(InboxEntrySummaryResponse)),
        },
        ...errors(401, 403, 404, 422),
      },
    },
  },
  "/api/inbox/{id}": {
    get: {
      operationId: "getInboxEntry",
      tags,
      summary: "Read one webhook delivery with its raw request",
      description: `${ADMIN_SCOPE} The body as received (up to INBOX_MAX_BODY_BYTES), as text when it is valid UTF-8, else base64. 404 "Inbox entry not found", also for an id that is not a UUID.`,
      requestParams: { path: inboxIdParams },
      responses: { 200: ok("The entry", InboxEntryResponse), ...errors(401, 403, 404) },
    },
  },
  "/api/inbox/{id}/replay": {
    post: {
      operationId: "replayInboxEntry",
      tags,
      summary: "Replay a webhook delivery into a new run",
      description: `${ADMIN_SCOPE} Creates a run from the stored request as if the workflow's latest version had just accepted it, accepted or rejected alike (a delivery refused for a wrong signature after a secret rotation is recovered this way): signature, replay and rate-limit checks are not applied, and no idempotency key. The run has \`triggered_by: "replay"\`; its \`run_created\` audit entry names the acting key and holds \`inbox_entry_id\`. 409 when the body was not kept whole (cut at INBOX_MAX_BODY_BYTES, or a 413 never read).`,
      requestParams: { path: inboxIdParams },
      responses: { 201: ok("The new run (pending)", RunResponse), ...errors(401, 403, 404, 409) },
    },
  },
};
