import type pg from "pg";
import { completionOf, untilRunsFinished } from "../lib/bench-runs";
import { CODE_GRAPH, SET_GRAPH, createBenchWorkflow, webhookPath } from "../lib/bench-workflow";
import { measureCpu, type CpuGroups } from "../lib/cpu-time";
import { runClosedLoop, type HttpClient } from "../lib/http-load";
import { round } from "../lib/stats";

export type CodeNodeResult = {
  scenario: "code-node";
  requests: number;
  clients: number;
  /** Runs of the one-node `set` workflow over the time until the last one succeeded, measured first. */
  set_completed_per_s: number;
  /** The same for a one-node `code` workflow (`return run.attempt;`), through the same pipeline right after. */
  code_completed_per_s: number;
  ratio_to_set: number;
  /** CPU ms per run of each process, for each workflow: the worker's difference is what a code node costs. */
  cpu_ms_per_run: { set: Record<string, number>; code: Record<string, number> };
};

type Measured = { completedPerS: number; cpuPerRun: Record<string, number> };

/** `requests` webhook POSTs from `clients` loops to a new workflow of `graph`; done when its last run finished. */
async function measure(
  client: HttpClient,
  pool: pg.Pool,
  pids: () => CpuGroups,
  name: string,
  graph: unknown,
  requests: number,
  clients: number,
): Promise<Measured> {
  const workflowId = await createBenchWorkflow(client, name, graph);
  const path = webhookPath(workflowId);
  const cpu = measureCpu(pids);
  const start = Date.now();
  const results = await runClosedLoop(requests, clients, (i) => client.send("POST", path, { n: i }));
  const accepted = results.filter((r) => r.status === 202).length;
  await untilRunsFinished(pool, workflowId, accepted, name);
  const cpuPerRun = cpu.stop(accepted);
  return { completedPerS: (await completionOf(pool, workflowId, accepted, start, name)).completedPerS, cpuPerRun };
}

/**
 * A one-node `code` workflow at full speed through the whole pipeline (webhook, Postgres, queue, worker, the
 * QuickJS sandbox), against a one-node `set` workflow measured the same way just before it.
 */
export async function runCodeNode(
  client: HttpClient,
  pool: pg.Pool,
  pids: () => CpuGroups,
  requests = 10_000,
  clients = 64,
): Promise<CodeNodeResult> {
  const set = await measure(client, pool, pids, "bench-code-node-set", SET_GRAPH, requests, clients);
  const code = await measure(client, pool, pids, "bench-code-node-code", CODE_GRAPH, requests, clients);
  return {
    scenario: "code-node",
    requests,
    clients,
    set_completed_per_s: round(set.completedPerS, 0),
    code_completed_per_s: round(code.completedPerS, 0),
    ratio_to_set: round(code.completedPerS / set.completedPerS, 3),
    cpu_ms_per_run: { set: set.cpuPerRun, code: code.cpuPerRun },
  };
}
