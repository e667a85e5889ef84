import type { InboxOutcome } from "@switchyard/client";
import type { CliCommand } from "../cli-context";
import { printFirst } from "../print-first";

const OUTCOMES: readonly string[] = ["accepted", "rejected"] satisfies InboxOutcome[];

export const inboxCommand: CliCommand = {
  name: "inbox",
  usage:
    "  inbox <workflow> [accepted|rejected] [--count N]\n" +
    "                                                 the webhook's latest deliveries, newest first (admin key)",
  run: async ({ args, options, client }) => {
    const [ref, outcome] = args;
    if (ref === undefined || (outcome !== undefined && !OUTCOMES.includes(outcome))) return undefined;
    const filters = outcome === undefined ? {} : { outcome: outcome as InboxOutcome };
    return printFirst(client().inbox.list(ref, filters), (p) => p.entries, options.count);
  },
};

export const replayCommand: CliCommand = {
  name: "replay",
  usage: "  replay <inbox_id>                              a new run from a kept delivery, accepted or rejected",
  run: async ({ args, client }) => {
    const [id] = args;
    if (id === undefined) return undefined;
    console.log(JSON.stringify(await client().inbox.replay(id)));
    return 0;
  },
};
