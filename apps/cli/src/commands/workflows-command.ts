import type { CliCommand } from "../cli-context";

export const workflowsCommand: CliCommand = {
  name: "workflows",
  usage: "  workflows                                      list workflows",
  run: async ({ client }) => {
    for (const w of await client().workflows.list()) {
      console.log(`${w.id}\t${w.handle ?? ""}\t${w.name}\tv${w.latest_version ?? "-"}`);
    }
    return 0;
  },
};
