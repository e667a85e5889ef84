import type { WorkflowBundle } from "./workflow-bundle";

export type ApiResponse = { status: number; body: any };
/** One HTTP call to a Switchyard API: `path` under its base URL, `body` sent as JSON. */
export type ApiCall = (method: string, path: string, body?: unknown) => Promise<ApiResponse>;

export type InstalledBundle = {
  workflow: { id: string; handle: string | null; created: boolean };
  version: { id: string; version: number };
  webhook: boolean;
  cron: boolean;
  /** The keys of the bundle's `flow` whose settings were saved. */
  flow: FlowKey[];
};

/** A bundle's `flow` keys and the route under the workflow that saves each. */
const FLOW_ROUTES = { concurrency: "concurrency", rate_limit: "rate-limit", routing: "routing" } as const;
type FlowKey = keyof typeof FLOW_ROUTES;

/**
 * Installs a parsed bundle through the API: the workflow (reused when its handle exists, so loading a file again
 * adds a version), a version, then the webhook and cron configs and the flow settings it has. Throws with the API's detail.
 */
export async function installWorkflowBundle(api: ApiCall, bundle: WorkflowBundle): Promise<InstalledBundle> {
  const { handle } = bundle.workflow;
  let existing: { id: string; handle: string | null } | null = null;
  if (handle !== undefined) {
    const found = await api("GET", `/api/workflows/${encodeURIComponent(handle)}`);
    if (found.status === 200) existing = found.body;
    else if (found.status !== 404) throw apiError("look up the workflow", found);
  }
  const created = existing === null;
  const workflow: { id: string; handle: string | null } =
    existing ?? expect(await api("POST", "/api/workflows", bundle.workflow), 201, "create the workflow");
  const path = `/api/workflows/${workflow.id}`;
  const version = expect(await api("POST", `${path}/versions`, bundle.version), 201, "create the version");
  const { webhook, cron } = bundle.triggers;
  if (webhook !== undefined) {
    expect(await api("PUT", `${path}/triggers/webhook/config`, webhook), 200, "save the webhook config");
  }
  if (cron !== undefined) expect(await api("PUT", `${path}/triggers/cron/config`, cron), 200, "save the cron config");
  const flow: FlowKey[] = [];
  for (const key of Object.keys(FLOW_ROUTES) as FlowKey[]) {
    const body = bundle.flow[key];
    if (body === undefined) continue;
    expect(await api("PUT", `${path}/${FLOW_ROUTES[key]}`, body), 200, `save the ${FLOW_ROUTES[key]} settings`);
    flow.push(key);
  }
  return {
    workflow: { id: workflow.id, handle: workflow.handle, created },
    version: { id: version.id, version: version.version },
    webhook: webhook !== undefined,
    cron: cron !== undefined,
    flow,
  };
}

function expect(res: ApiResponse, status: number, what: string): any {
  if (res.status !== status) throw apiError(what, res);
  return res.body;
}

function apiError(what: string, res: ApiResponse): Error {
  const detail: unknown = res.body?.detail ?? res.body;
  return new Error(`could not ${what}: ${res.status} ${typeof detail === "string" ? detail : JSON.stringify(detail)}`);
}
