/**
 * The API's request and response shapes, taken from the zod schemas its routes parse and answer with (the same
 * ones the OpenAPI document is built from), as types only: nothing of core or zod is loaded at run time.
 */
import type { z } from "zod";
import type { ExecutionHistoryResponse, RunResponse, RunStepResponse } from "@switchyard/core/runs/run-response";
import type { CancelRunBody, ManualDispatchBody, RetryRunBody } from "@switchyard/core/runs/run-schemas";
import type { SearchRunsQuery } from "@switchyard/core/runs/run-search-query";
import type {
  VersionDiffResponse,
  VersionResponse,
  WorkflowResponse,
} from "@switchyard/core/workflows/workflow-response";
import type {
  CreateVersionBody,
  CreateWorkflowBody,
  ListWorkflowsQuery,
  UpdateWorkflowBody,
} from "@switchyard/core/workflows/workflow-schemas";
import type { WebhookConfigBody, WebhookConfigResponse } from "@switchyard/core/triggers/webhook/webhook-config";
import type { CronConfigBody, CronConfigResponse } from "@switchyard/core/triggers/cron/cron-config";
import type { CronOutlookResponse } from "@switchyard/core/triggers/cron/cron-occurrences";
import type { RetryPolicyBody } from "@switchyard/core/workflows/retry-policy";
import type { RetentionBody, RetentionResponse } from "@switchyard/core/workflows/retention-policy";
import type { ConcurrencyBody, ConcurrencyResponse } from "@switchyard/core/flow/concurrency-limits";
import type { RateLimitBody, RateLimitResponse } from "@switchyard/core/flow/rate-limit";
import type { RoutingBody, RoutingResponse } from "@switchyard/core/flow/routing";
import type { RunStatus } from "@switchyard/core/runs/run-status";
import type {
  InboxEntryResponse,
  InboxEntrySummaryResponse,
  InboxOutcome,
} from "@switchyard/core/inbox/inbox-response";
import type {
  CreateSubscriptionBody,
  CreatedSubscriptionResponse,
  DeliveryResponse,
  EventType,
  SubscriptionResponse,
  UpdateSubscriptionBody,
} from "@switchyard/core/subscriptions/subscription-schemas";

export type { RunStatus, InboxOutcome, EventType };
export type Run = RunResponse;
export type RunStep = RunStepResponse;
export type ExecutionHistory = ExecutionHistoryResponse;
export type Workflow = WorkflowResponse;
export type WorkflowVersion = VersionResponse;
export type WorkflowVersionDiff = VersionDiffResponse;
export type WebhookConfig = WebhookConfigResponse;
export type CronConfig = CronConfigResponse;
export type CronOutlook = CronOutlookResponse;
export type RetryPolicy = z.output<typeof RetryPolicyBody>;
export type Retention = RetentionResponse;
export type ConcurrencyLimits = z.output<typeof ConcurrencyResponse>;
export type RateLimit = z.output<typeof RateLimitResponse>;
export type Routing = z.output<typeof RoutingResponse>;
export type InboxEntrySummary = InboxEntrySummaryResponse;
export type InboxEntry = InboxEntryResponse;
export type Subscription = SubscriptionResponse;
export type CreatedSubscription = z.output<typeof CreatedSubscriptionResponse>;
export type Delivery = DeliveryResponse;

export type CreateWorkflowInput = z.input<typeof CreateWorkflowBody>;
export type UpdateWorkflowInput = z.input<typeof UpdateWorkflowBody>;
export type ListWorkflowsInput = { [K in keyof z.input<typeof ListWorkflowsQuery>]?: boolean };
export type CreateVersionInput = z.input<typeof CreateVersionBody>;
export type WebhookConfigInput = z.input<typeof WebhookConfigBody>;
export type CronConfigInput = z.input<typeof CronConfigBody>;
export type RetryPolicyInput = z.input<typeof RetryPolicyBody>;
export type RetentionInput = z.input<typeof RetentionBody>;
export type ConcurrencyInput = z.input<typeof ConcurrencyBody>;
export type RateLimitInput = z.input<typeof RateLimitBody>;
export type RoutingInput = z.input<typeof RoutingBody>;
export type CreateSubscriptionInput = z.input<typeof CreateSubscriptionBody>;
export type UpdateSubscriptionInput = z.input<typeof UpdateSubscriptionBody>;
export type CancelRunInput = z.input<typeof CancelRunBody>;
export type RetryRunInput = z.input<typeof RetryRunBody>;

/** `GET /api/runs`'s filters and search (`q`), as the route takes them; `limit` is the page size. */
export type RunFilters = Omit<z.input<typeof SearchRunsQuery>, "cursor" | "limit"> & { limit?: number };

type ManualDispatchInput = z.input<typeof ManualDispatchBody>;
/** One run of a manual dispatch, without its input: the version, `run_at`, and whatever else the route takes. */
export type DispatchRunFields = Omit<ManualDispatchInput["runs"][number], "input_payload">;
/** A manual dispatch's fields that apply to all its runs: `label` (their triggered_by) and `actor`. */
export type DispatchFields = Pick<ManualDispatchInput, "label" | "actor">;
