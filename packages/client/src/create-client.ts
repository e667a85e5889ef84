import { createHttp, type ClientOptions, type RequestOptions } from "./http-transport";
import { createInboxApi } from "./inbox-api";
import { createRunsApi } from "./runs-api";
import { createSubscriptionsApi } from "./subscriptions-api";
import { createWorkflowsApi } from "./workflows-api";

/**
 * A client of one Switchyard API. Every call answers the API's JSON typed by its schemas, or rejects with a
 * `SwitchyardError` (a subclass per status: `NotFoundError`, `ValidationError`, ...).
 */
export function createClient(options: ClientOptions) {
  const http = createHttp(options);
  return {
    workflows: createWorkflowsApi(http),
    runs: createRunsApi(http),
    inbox: createInboxApi(http),
    subscriptions: createSubscriptionsApi(http),
    /** Any other route: `path` under the base URL; answers a 2xx's status, headers and parsed JSON body. */
    request: <T = unknown>(method: string, path: string, opts?: RequestOptions) => http.request<T>(method, path, opts),
  };
}

export type SwitchyardClient = ReturnType<typeof createClient>;
