import type { ConcurrencyInput, RateLimitInput, RoutingInput } from "@switchyard/client";
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

export const concurrencyCommand: CliCommand = {
  name: "concurrency",
  usage:
    "  concurrency <workflow> [--set max_running=2 --set key=input.customer --set max_running_per_key=1]\n" +
    "                                                 show or replace the concurrency limits ({} with --set none)",
  run: async ({ args, options, client }) => {
    const [ref] = args;
    if (ref === undefined) return undefined;
    const none = options.set.length === 1 && options.set[0] === "none";
    const body = none ? {} : bodyOf(options.set);
    if (body === undefined) return undefined;
    const limits =
      options.set.length === 0
        ? await client().workflows.concurrency.get(ref)
        : await client().workflows.concurrency.set(ref, body as ConcurrencyInput);
    console.log(JSON.stringify(limits));
    return 0;
  },
};

export const rateLimitCommand: CliCommand = {
  name: "rate-limit",
  usage:
    "  rate-limit <workflow> [--set limit=10 --set interval_seconds=60 [--set key=input.tenant] | --set none]\n" +
    "                                                 show, replace or remove the start rate limit",
  run: async ({ args, options, client }) => {
    const [ref] = args;
    if (ref === undefined) return undefined;
    const none = options.set.length === 1 && options.set[0] === "none";
    const body = none ? null : bodyOf(options.set);
    if (body === undefined) return undefined;
    const limit =
      options.set.length === 0
        ? await client().workflows.rateLimit.get(ref)
        : await client().workflows.rateLimit.set(ref, body as RateLimitInput | null);
    console.log(JSON.stringify(limit));
    return 0;
  },
};

export const routingCommand: CliCommand = {
  name: "routing",
  usage:
    "  routing <workflow> [--set queue=reports --set priority=1]\n" +
    "                                                 show or replace the queue and priority (defaults with --set none)",
  run: async ({ args, options, client }) => {
    const [ref] = args;
    if (ref === undefined) return undefined;
    const none = options.set.length === 1 && options.set[0] === "none";
    const body = none ? {} : bodyOf(options.set);
    if (body === undefined) return undefined;
    const routing =
      options.set.length === 0
        ? await client().workflows.routing.get(ref)
        : await client().workflows.routing.set(ref, body as RoutingInput);
    console.log(JSON.stringify(routing));
    return 0;
  },
};
