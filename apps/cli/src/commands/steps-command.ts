import type { CliCommand } from "../cli-context";

export const stepsCommand: CliCommand = {
  name: "steps",
  usage: "  steps <run_id>                                 the run's execution history steps",
  run: async ({ args, client }) => {
    const [runId] = args;
    if (runId === undefined) return undefined;
    for (const step of (await client().runs.history(runId)).steps) console.log(JSON.stringify(step));
    return 0;
  },
};
