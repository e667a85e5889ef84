import type { HttpClient } from "./http-load";

/** The one-node graph every scenario runs: a `set` node, so the figures measure the platform, not the work. */
export const SET_GRAPH = { nodes: [{ id: "out", type: "set", params: { value: "{{ run.attempt }}" } }], edges: [] };

/** The code-node scenario's graph: one `code` node doing as little as the `set` node above. */
export const CODE_GRAPH = {
  nodes: [{ id: "out", type: "code", params: { source: "return run.attempt;" } }],
  edges: [],
};

/** Creates a workflow with one version of `graph` through the API; returns its id. */
export async function createBenchWorkflow(
  client: HttpClient,
  name: string,
  graph: unknown = SET_GRAPH,
): Promise<string> {
  const created = await client.send("POST", "/api/workflows", { name, handle: name });
  if (created.status !== 201) throw new Error(`create workflow answered ${created.status}: ${created.body}`);
  const { id } = JSON.parse(created.body) as { id: string };
  const version = await client.send("POST", `/api/workflows/${id}/versions`, { graph });
  if (version.status !== 201) throw new Error(`create version answered ${version.status}: ${version.body}`);
  return id;
}

export function webhookPath(workflowId: string): string {
  return `/api/workflows/${workflowId}/triggers/webhook`;
}
