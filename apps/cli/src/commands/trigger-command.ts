import type { RunEvent, RunStatus } from "@switchyard/client";
import type { CliCommand } from "../cli-context";

/** `--follow`'s exit code: 0 succeeded, 1 failed, 3 cancelled (2 is a usage error). */
export function exitCodeOf(status: RunStatus): number {
  return status === "succeeded" ? 0 : status === "cancelled" ? 3 : 1;
}

/** One line per event, each starting with the run's id; a status line only when the status changed. */
function describe(runId: string, event: RunEvent, lastStatus: string): string | undefined {
  switch (event.type) {
    case "status":
    case "end":
      return event.data.status === lastStatus ? undefined : `${runId} ${event.data.status}`;
    case "step": {
      const error = typeof event.data.error === "string" ? `: ${event.data.error}` : "";
      return `${runId} step ${event.data.node_id} ${event.data.status}${error}`;
    }
    case "log":
      return `${runId} log ${event.data.node_id} ${event.data.level} ${event.data.message}`;
    case "child":
      return `${runId} child ${event.data.child_run_id} ${event.data.status}`;
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export const triggerCommand: CliCommand = {
  name: "trigger",
  usage:
    "  trigger <workflow> [--input JSON] [--follow] [--priority 1..10]\n" +
    "                                                 dispatch a manual run; --follow streams its events to its end",
  run: async ({ args, options, client }) => {
    const [ref] = args;
    if (ref === undefined) return undefined;
    const input = JSON.parse(options.input) as Record<string, unknown>;
    // A number goes to the API as it is, whose 422 names the field when it is out of range.
    if (options.priority !== undefined && !/^-?\d+(\.\d+)?$/.test(options.priority)) return undefined;
    const priority = options.priority === undefined ? {} : { priority: Number(options.priority) };
    const run = await client().runs.trigger(ref, input, priority);
    console.log(`${run.id} ${run.status}`);
    if (!options.follow) return 0;
    let last: string = run.status;
    for await (const event of client().runs.events(run.id)) {
      const line = describe(run.id, event, last);
      if (line !== undefined) console.log(line);
      if (event.type === "status") last = event.data.status;
      if (event.type === "end") {
        if (typeof event.data.error === "string") console.error(`${run.id} error: ${event.data.error}`);
        return exitCodeOf(event.data.status);
      }
    }
    return 1;
  },
};
