import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { SwitchyardClient } from "@switchyard/client";
import { CancelRunArgs, ListRunsArgs, RunArgs, SignalRunArgs, TriggerRunArgs, WaitForRunArgs } from "./tool-arguments";
import { callApi, jsonResult } from "./tool-kit";
import { waitForOutcome, withResult } from "./wait-for-outcome";

const iso = (d: Date | undefined) => d?.toISOString();

export function registerRunTools(server: McpServer, client: SwitchyardClient): void {
  server.registerTool(
    "trigger_run",
    {
      title: "Trigger a run",
      description:
        "Starts a run of the workflow with `input`. With `wait_seconds` (at most 60) waits for its end, sending progress notifications, and answers `{run, ended, result}`; a run still going then is answered as it is (`ended: false`) and goes on.",
      inputSchema: TriggerRunArgs,
    },
    async (args, extra) =>
      jsonResult(
        await callApi("trigger_run", "trigger", async () => {
          const run = await client.runs.trigger(args.workflow, args.input, {
            signal: extra.signal,
            ...(args.workflow_version_id != null && { workflow_version_id: args.workflow_version_id }),
          });
          if (args.wait_seconds === 0) return { run, ended: false };
          return waitForOutcome(client, run.id, args.wait_seconds, extra);
        }),
      ),
  );

  server.registerTool(
    "get_run",
    {
      title: "Get a run",
      description:
        "A run: status, input, output (`output_payload`), error, attempts and audit log; a succeeded run's `result` (its graph's `output`, else its final_state).",
      inputSchema: RunArgs,
      annotations: { readOnlyHint: true },
    },
    async (args, extra) =>
      jsonResult(
        withResult(await callApi("get_run", "read", () => client.runs.get(args.run_id, { signal: extra.signal }))),
      ),
  );

  server.registerTool(
    "list_runs",
    {
      title: "List runs",
      description:
        "Runs newest first, filtered by workflow, status, triggered_by, created_after/created_before and the search `q` (a run id, `path.to.key=value` in the input, a JSON object the input contains, or a value). `next_cursor` continues the list (pass it as `cursor`).",
      inputSchema: ListRunsArgs,
      annotations: { readOnlyHint: true },
    },
    async (args, extra) => {
      const { cursor, created_after, created_before, ...filters } = args;
      const page = await callApi("list_runs", "read", () =>
        client.runs.page(
          { ...filters, created_after: iso(created_after), created_before: iso(created_before) },
          { cursor, signal: extra.signal },
        ),
      );
      return jsonResult(page);
    },
  );

  server.registerTool(
    "get_run_steps",
    {
      title: "Get a run's steps",
      description: "Every stored step of the run, every attempt, in execution order: node, status, output, error, log.",
      inputSchema: RunArgs,
      annotations: { readOnlyHint: true },
    },
    async (args, extra) => {
      const steps = await callApi("get_run_steps", "read", () =>
        client.runs.steps(args.run_id, { signal: extra.signal }),
      );
      return jsonResult({ steps });
    },
  );

  server.registerTool(
    "wait_for_run",
    {
      title: "Wait for a run",
      description:
        "Waits up to `timeout_seconds` (at most 60) for the run's end, sending progress notifications; answers `{run, ended, result}`.",
      inputSchema: WaitForRunArgs,
      annotations: { readOnlyHint: true },
    },
    async (args, extra) =>
      jsonResult(
        await callApi("wait_for_run", "read", () => waitForOutcome(client, args.run_id, args.timeout_seconds, extra)),
      ),
  );

  server.registerTool(
    "cancel_run",
    {
      title: "Cancel a run",
      description: "Cancels a pending, running or waiting run (its worker stops its work in progress).",
      inputSchema: CancelRunArgs,
      annotations: { destructiveHint: true, idempotentHint: false },
    },
    async (args, extra) =>
      jsonResult(
        await callApi("cancel_run", "trigger", () =>
          client.runs.cancel(args.run_id, { reason: args.reason }, { signal: extra.signal }),
        ),
      ),
  );

  server.registerTool(
    "retry_run",
    {
      title: "Retry a run",
      description: "A failed or cancelled run again: a new run with the same version and input (`retry_of` set).",
      inputSchema: RunArgs,
    },
    async (args, extra) =>
      jsonResult(
        await callApi("retry_run", "trigger", () => client.runs.retry(args.run_id, {}, { signal: extra.signal })),
      ),
  );

  server.registerTool(
    "signal_run",
    {
      title: "Signal a run",
      description:
        "Resumes a run waiting on a wait_for_signal node named `name`; `payload` becomes that node's output.",
      inputSchema: SignalRunArgs,
    },
    async (args, extra) =>
      jsonResult(
        await callApi("signal_run", "trigger", () =>
          client.runs.signal(args.run_id, args.name, args.payload, { signal: extra.signal }),
        ),
      ),
  );
}
