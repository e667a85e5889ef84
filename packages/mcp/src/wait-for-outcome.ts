import { WaitTimeoutError, runResult, type Run, type RunEvent, type SwitchyardClient } from "@switchyard/client";
import { progressReporter, type ToolExtra } from "./tool-kit";

/** What trigger_run and wait_for_run answer: the run, whether it ended within the wait, and its result if so. */
export type RunOutcome = { run: Run; ended: boolean; result?: unknown; error?: string | null };

/** One progress line per event while waiting. */
function describe(event: RunEvent): string {
  switch (event.type) {
    case "status":
      return `run ${event.data.status}`;
    case "step":
      return `step ${event.data.node_id} ${event.data.status}`;
    case "log":
      return `${event.data.node_id}: ${event.data.message}`;
    case "child":
      return `child run ${event.data.child_run_id} ${event.data.status}`;
    case "end":
      return `run ended: ${event.data.status}`;
  }
}

/** A run as the run tools answer it: with its `result` (runResult) once it has succeeded. */
export function withResult(run: Run): Run & { result?: unknown } {
  const result = runResult(run);
  return result === undefined ? run : { ...run, result };
}

/** An ended run's outcome: its result when it succeeded, its error otherwise. */
function outcomeOf(run: Run): RunOutcome {
  const result = runResult(run);
  return {
    run,
    ended: true,
    ...(result !== undefined && { result }),
    ...(run.status !== "succeeded" && run.error !== null && { error: run.error }),
  };
}

const TERMINAL: ReadonlySet<string> = new Set(["succeeded", "failed", "cancelled"]);

/**
 * Waits up to `seconds` for the run's end through its event stream, sending a progress notification per event.
 * A run still going at the deadline is answered as it is then, with `ended: false`; it goes on. The result is read
 * from the run itself (as get_run shows it), so every tool answers the same result for one run.
 */
export async function waitForOutcome(
  client: SwitchyardClient,
  runId: string,
  seconds: number,
  extra: ToolExtra,
): Promise<RunOutcome> {
  const report = progressReporter(extra);
  await report(`waiting up to ${seconds} s for run ${runId}`);
  try {
    const run = await client.runs.wait(runId, {
      timeoutMs: seconds * 1_000,
      signal: extra.signal,
      onEvent: (event) => {
        report(describe(event)).catch(() => undefined);
      },
    });
    return outcomeOf(run);
  } catch (err) {
    if (!(err instanceof WaitTimeoutError)) throw err;
    // The run may have ended just as the wait ran out.
    const run = await client.runs.get(runId, { signal: extra.signal });
    return TERMINAL.has(run.status) ? outcomeOf(run) : { run, ended: false };
  }
}
