import type { ConcurrencyInput, RateLimitInput, RoutingInput, SwitchyardClient } from "@switchyard/client";
import type { CliCommand } from "../cli-context";

/** `--set name=value` pairs as a body: numbers as numbers, `null` as null, anything else as text. */
function bodyOf(pairs: readonly string[]): Record<string, unknown> | undefined {
  const body: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) return undefined;
    const raw = pair.slice(eq + 1);
    body[pair.slice(0, eq)] = raw === "null" ? null : /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  }
  return body;
}

/**
 * A command showing (no `--set`) or replacing (`--set name=value`...) one of a workflow's flow settings;
 * `--set none` sends `none`, the body that clears it.
 */
function flowSettingsCommand<Body>(spec: {
  name: string;
  usage: string;
  none: Body;
  get: (client: SwitchyardClient, ref: string) => Promise<unknown>;
  set: (client: SwitchyardClient, ref: string, body: Body) => Promise<unknown>;
}): CliCommand {
  return {
    name: spec.name,
    usage: spec.usage,
    run: async ({ args, options, client }) => {
      const [ref] = args;
      if (ref === undefined) return undefined;
      const none = options.set.length === 1 && options.set[0] === "none";
      const body = none ? spec.none : (bodyOf(options.set) as Body | undefined);
      if (body === undefined) return undefined;
      const answer = options.set.length === 0 ? await spec.get(client(), ref) : await spec.set(client(), ref, body);
      console.log(JSON.stringify(answer));
      return 0;
    },
  };
}

export const concurrencyCommand = flowSettingsCommand<ConcurrencyInput>({
  name: "concurrency",
  usage:
    "  concurrency <workflow> [--set max_running=2 --set key=input.customer --set max_running_per_key=1]\n" +
    "                                                 show or replace the concurrency limits ({} with --set none)",
  none: {},
  get: (c, ref) => c.workflows.concurrency.get(ref),
  set: (c, ref, body) => c.workflows.concurrency.set(ref, body),
});

export const rateLimitCommand = flowSettingsCommand<RateLimitInput | null>({
  name: "rate-limit",
  usage:
    "  rate-limit <workflow> [--set limit=10 --set interval_seconds=60 [--set key=input.tenant] | --set none]\n" +
    "                                                 show, replace or remove the start rate limit",
  none: null,
  get: (c, ref) => c.workflows.rateLimit.get(ref),
  set: (c, ref, body) => c.workflows.rateLimit.set(ref, body),
});

export const routingCommand = flowSettingsCommand<RoutingInput>({
  name: "routing",
  usage:
    "  routing <workflow> [--set queue=reports --set priority=1]\n" +
    "                                                 show or replace the queue and priority (defaults with --set none)",
  none: {},
  get: (c, ref) => c.workflows.routing.get(ref),
  set: (c, ref, body) => c.workflows.routing.set(ref, body),
});
