import type {
  ConcurrencyInput,
  ConcurrencyLimits,
  RateLimit,
  RateLimitInput,
  Routing,
  RoutingInput,
  CreateVersionInput,
  CreateWorkflowInput,
  CronConfig,
  CronConfigInput,
  CronOutlook,
  ListWorkflowsInput,
  Retention,
  RetentionInput,
  RetryPolicy,
  RetryPolicyInput,
  UpdateWorkflowInput,
  WebhookConfig,
  WebhookConfigInput,
  Workflow,
  WorkflowVersion,
  WorkflowVersionDiff,
} from "./api-types";
import type { Http } from "./http-transport";

/** Per call: an AbortSignal, and a bound in place of the client's `timeoutMs`. */
export type CallOptions = { signal?: AbortSignal; timeoutMs?: number };

/** `ref`: a workflow's UUID or handle, as every route takes it. */
const at = (ref: string) => `/api/workflows/${encodeURIComponent(ref)}`;

export function createWorkflowsApi(http: Http) {
  const get = async <T>(path: string, opts?: CallOptions) => (await http.request<T>("GET", path, opts)).body;
  const send = async <T>(method: string, path: string, body: unknown, opts?: CallOptions) =>
    (await http.request<T>(method, path, { ...opts, body })).body;

  return {
    /** `GET /api/workflows`: active workflows (`include_archived` for all). */
    list: (query: ListWorkflowsInput = {}, opts?: CallOptions) =>
      http.request<Workflow[]>("GET", "/api/workflows", { ...opts, query }).then((a) => a.body),
    get: (ref: string, opts?: CallOptions) => get<Workflow>(at(ref), opts),
    create: (body: CreateWorkflowInput, opts?: CallOptions) => send<Workflow>("POST", "/api/workflows", body, opts),
    update: (ref: string, body: UpdateWorkflowInput, opts?: CallOptions) => send<Workflow>("PUT", at(ref), body, opts),
    /** `DELETE /api/workflows/{ref}`: archived, not deleted (its runs stay). */
    archive: (ref: string, opts?: CallOptions) => send<Workflow>("DELETE", at(ref), undefined, opts),

    versions: {
      create: (ref: string, body: CreateVersionInput, opts?: CallOptions) =>
        send<WorkflowVersion>("POST", `${at(ref)}/versions`, body, opts),
      list: (ref: string, opts?: CallOptions) => get<WorkflowVersion[]>(`${at(ref)}/versions`, opts),
      get: (ref: string, version: number, opts?: CallOptions) =>
        get<WorkflowVersion>(`${at(ref)}/versions/${version}`, opts),
      diff: (ref: string, base: number, target: number, opts?: CallOptions) =>
        get<WorkflowVersionDiff>(`${at(ref)}/versions/${base}/diff/${target}`, opts),
    },

    webhook: {
      /** The webhook trigger's config (the defaults when none was saved); secrets come back masked. */
      getConfig: (ref: string, opts?: CallOptions) => get<WebhookConfig>(`${at(ref)}/triggers/webhook/config`, opts),
      setConfig: (ref: string, body: WebhookConfigInput, opts?: CallOptions) =>
        send<WebhookConfig>("PUT", `${at(ref)}/triggers/webhook/config`, body, opts),
    },

    cron: {
      /** The cron trigger's config; a `NotFoundError` when the workflow has none. */
      getConfig: (ref: string, opts?: CallOptions) => get<CronConfig>(`${at(ref)}/triggers/cron/config`, opts),
      setConfig: (ref: string, body: CronConfigInput, opts?: CallOptions) =>
        send<CronConfig>("PUT", `${at(ref)}/triggers/cron/config`, body, opts),
      deleteConfig: async (ref: string, opts?: CallOptions) => {
        await http.request<null>("DELETE", `${at(ref)}/triggers/cron/config`, opts);
      },
      /** The next fire times and the latest decided occurrences. */
      occurrences: (ref: string, query: { limit?: number } = {}, opts?: CallOptions) =>
        http
          .request<CronOutlook>("GET", `${at(ref)}/triggers/cron/occurrences`, { ...opts, query })
          .then((a) => a.body),
    },

    retryPolicy: {
      get: (ref: string, opts?: CallOptions) => get<RetryPolicy>(`${at(ref)}/retry-policy`, opts),
      set: (ref: string, body: RetryPolicyInput, opts?: CallOptions) =>
        send<RetryPolicy>("PUT", `${at(ref)}/retry-policy`, body, opts),
    },

    retention: {
      get: (ref: string, opts?: CallOptions) => get<Retention>(`${at(ref)}/retention`, opts),
      set: (ref: string, body: RetentionInput, opts?: CallOptions) =>
        send<Retention>("PUT", `${at(ref)}/retention`, body, opts),
    },

    /** Concurrency limits (docs/flow-control.md); `set` replaces them (`{}`: none). */
    concurrency: {
      get: (ref: string, opts?: CallOptions) => get<ConcurrencyLimits>(`${at(ref)}/concurrency`, opts),
      set: (ref: string, body: ConcurrencyInput, opts?: CallOptions) =>
        send<ConcurrencyLimits>("PUT", `${at(ref)}/concurrency`, body, opts),
    },

    /** The start rate limit (docs/flow-control.md); null without one, `set(ref, null)` removes it. */
    rateLimit: {
      get: (ref: string, opts?: CallOptions) => get<RateLimit>(`${at(ref)}/rate-limit`, opts),
      set: (ref: string, body: RateLimitInput | null, opts?: CallOptions) =>
        send<RateLimit>("PUT", `${at(ref)}/rate-limit`, body ?? {}, opts),
    },

    /** The queue and priority of the workflow's runs (docs/flow-control.md); `set` replaces them (`{}`: defaults). */
    routing: {
      get: (ref: string, opts?: CallOptions) => get<Routing>(`${at(ref)}/routing`, opts),
      set: (ref: string, body: RoutingInput, opts?: CallOptions) =>
        send<Routing>("PUT", `${at(ref)}/routing`, body, opts),
    },
  };
}

export type WorkflowsApi = ReturnType<typeof createWorkflowsApi>;
