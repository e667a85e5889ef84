import { SwitchyardError } from "@switchyard/client";
import type { ApiCall } from "@switchyard/core/workflows/install-workflow-bundle";
import type { CliCommand, CliContext } from "../cli-context";
import { loadWorkflowFile } from "../load-workflow-file";

/** The bundle installer's API call over the client: every answer with its status, errors included. */
function apiCallOf(ctx: CliContext): ApiCall {
  return async (method, path, body) => {
    try {
      const answer = await ctx.client().request(method, path, { body });
      return { status: answer.status, body: answer.body };
    } catch (err) {
      if (err instanceof SwitchyardError && err.status > 0) return { status: err.status, body: { detail: err.detail } };
      throw err;
    }
  };
}

export const loadWorkflowCommand: CliCommand = {
  name: "load",
  usage:
    "  load <file.json> [--set NAME=VALUE]...         install a workflow file (examples/): workflow, version, triggers",
  run: async (ctx) => {
    const [file] = ctx.args;
    if (file === undefined) return undefined;
    for (const line of await loadWorkflowFile(apiCallOf(ctx), ctx.config().API_URL, file, ctx.options.set)) {
      console.log(line);
    }
    return 0;
  },
};
