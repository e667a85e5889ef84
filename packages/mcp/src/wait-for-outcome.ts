import { WaitTimeoutError, type Run, type RunEvent, type SwitchyardClient } from "@switchyard/client";
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

/**
 * Waits up to `seconds` for the run's end through its event stream, sending a progress notification per event.
 * A run still going at the deadline is answered as it is then, with `ended: false`; it goes on.
 */
export async function waitForOutcome(
  client: SwitchyardClient,
  runId: string,
  seconds: number,
  extra: ToolExtra,
): Promise<RunOutcome> {
  const report = progressReporter(extra);
  let end: Extract<RunEvent, { type: "end" }>["data"] | undefined;
  await report(`waiting up to ${seconds} s for run ${runId}`);
  try {
    const run = await client.runs.wait(runId, {
      timeoutMs: seconds * 1_000,
      signal: extra.signal,
      onEvent: (event) => {
        if (event.type === "end") end = event.data;
        report(describe(event)).catch(() => undefined);
      },
    });
    return {
      run,
      ended: true,
      ...(end !== undefined && "result" in end && { result: end.result }),
      ...(end?.error !== undefined && end.error !== null && { error: end.error }),
    };
  } catch (err) {
    if (!(err instanceof WaitTimeoutError)) throw err;
    return { run: await client.runs.get(runId, { signal: extra.signal }), ended: false };
  }
}
