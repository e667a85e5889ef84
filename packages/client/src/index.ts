export { createClient, type SwitchyardClient } from "./create-client";
export type { ClientOptions, HttpAnswer, QueryValue, RequestOptions } from "./http-transport";
export type { CallOptions, WorkflowsApi } from "./workflows-api";
export type { ListRunsOptions, RunPage, RunsApi, TriggerOptions, WaitOptions } from "./runs-api";
export type { RunEventsOptions } from "./run-events";
export type { InboxApi, InboxFilters, InboxPage, ListInboxOptions } from "./inbox-api";
export type { DeliveryPage, ListDeliveriesOptions, SubscriptionsApi } from "./subscriptions-api";
export { runResult } from "./run-result";
export type * from "./run-event";
export type * from "./api-types";
export {
  ConflictError,
  ConnectionError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  RequestTimeoutError,
  SwitchyardError,
  UnauthorizedError,
  ValidationError,
  WaitTimeoutError,
  type SwitchyardErrorCode,
  type ValidationIssue,
} from "./switchyard-error";
export { SseParser, type SseMessage } from "./sse-parser";
