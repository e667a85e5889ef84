import { z } from "zod";
import { Timestamp } from "../timestamp";

/** The events a subscription can ask for (docs/outgoing-events.md). */
export const EVENT_TYPES = ["run.succeeded", "run.failed", "run.cancelled", "run.started", "cron.missed"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Standard Webhooks' secret form: `whsec_` and the base64 of 24 to 64 random bytes. */
export const SubscriptionSecret = z
  .string()
  .refine(isSubscriptionSecret, "must be whsec_ followed by the base64 of 24 to 64 bytes")
  .meta({ description: "Write-only. `whsec_<base64 of 24-64 bytes>`; generated when omitted" });

export function isSubscriptionSecret(value: string): boolean {
  const m = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(value);
  if (m === null) return false;
  const bytes = Buffer.from(m[1]!, "base64");
  return (
    bytes.length >= 24 && bytes.length <= 64 && bytes.toString("base64").replace(/=+$/, "") === m[1]!.replace(/=+$/, "")
  );
}

const HttpUrl = z
  .string()
  .max(2_048)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
    } catch {
      return false;
    }
  }, "must be an http:// or https:// URL")
  .meta({ description: "Where deliveries are POSTed (http or https)" });

const Events = z
  .array(z.enum(EVENT_TYPES))
  .min(1, "at least one event")
  .max(EVENT_TYPES.length)
  .transform((events) => [...new Set(events)])
  .meta({ description: `A non-empty subset of ${EVENT_TYPES.join(", ")}` });

const WorkflowRef = z
  .string()
  .min(1)
  .max(200)
  .nullable()
  .meta({ description: "A workflow id or handle: only its events; null or absent: every workflow's" });

export const CreateSubscriptionBody = z.strictObject({
  url: HttpUrl,
  events: Events,
  workflow: WorkflowRef.optional(),
  secret: SubscriptionSecret.optional(),
});
export type CreateSubscriptionBody = z.output<typeof CreateSubscriptionBody>;

/** PUT replaces the subscription; an omitted secret keeps the stored one, `enabled: true` re-enables it. */
export const UpdateSubscriptionBody = z.strictObject({
  url: HttpUrl,
  events: Events,
  workflow: WorkflowRef.optional(),
  secret: SubscriptionSecret.optional(),
  enabled: z.boolean().optional().meta({ description: "false pauses it; true re-enables a disabled one" }),
});
export type UpdateSubscriptionBody = z.output<typeof UpdateSubscriptionBody>;

export const SubscriptionResponse = z.strictObject({
  id: z.uuid(),
  url: z.string(),
  events: z.array(z.enum(EVENT_TYPES)),
  workflow_id: z.uuid().nullable(),
  enabled: z.boolean(),
  disabled_reason: z.string().nullable().meta({ description: "Why it was disabled (24 h of failures), or null" }),
  failing_since: Timestamp.nullable().meta({ description: "The first failed attempt since the last success" }),
  last_success_at: Timestamp.nullable(),
  created_by: z.string(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type SubscriptionResponse = z.output<typeof SubscriptionResponse>;

/** The creation's answer: the one time the secret is shown. */
export const CreatedSubscriptionResponse = SubscriptionResponse.extend({
  secret: z.string().meta({ description: "Shown once, here: store it to verify deliveries" }),
});

export const DeliveryAttemptResponse = z.strictObject({
  attempt: z.number().int(),
  at: Timestamp,
  status: z.enum(["succeeded", "failed"]).meta({ description: "succeeded: a 2xx; failed: anything else" }),
  response_code: z.number().int().nullable(),
  duration_ms: z.number().int(),
  error: z.string().nullable(),
});

export const DeliveryResponse = z.strictObject({
  id: z.uuid().meta({ description: "Also the `webhook-id` header, the same on every attempt" }),
  subscription_id: z.uuid(),
  event_type: z.enum(EVENT_TYPES),
  run_id: z.uuid().nullable(),
  workflow_id: z.uuid().nullable(),
  status: z.enum(["pending", "delivered", "failed"]),
  attempts: z.number().int(),
  next_attempt_at: Timestamp.nullable().meta({ description: "A pending delivery's next attempt" }),
  created_at: Timestamp,
  finished_at: Timestamp.nullable(),
  body: z.unknown().meta({ description: "What is sent: `{type, timestamp, data}`" }),
  attempt_log: z.array(DeliveryAttemptResponse),
});
export type DeliveryResponse = z.output<typeof DeliveryResponse>;

export const ListDeliveriesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional().meta({ description: "`X-Next-Cursor` of the previous page" }),
});
