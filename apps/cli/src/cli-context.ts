import { createClient, type SwitchyardClient } from "@switchyard/client";
import { parseConfig, type Config } from "@switchyard/core/config";

/** The options every command may read (parsed once for all of them by main.ts). */
export type CliOptions = {
  input: string;
  follow: boolean;
  tz: string;
  count: string;
  set: string[];
  name?: string | undefined;
  scopes?: string | undefined;
  /** trigger's run priority (1..10), as typed. */
  priority?: string | undefined;
};

/** What a command gets: its positionals (after the command's name), the options, and lazily the config and client. */
export type CliContext = {
  args: string[];
  options: CliOptions;
  config: () => Config;
  /** A client of API_URL with SWITCHYARD_API_KEY, else the first API_TOKENS entry. */
  client: () => SwitchyardClient;
};

/**
 * One command: `run` answers the exit code, or undefined for a usage error (main.ts prints the usage, exit 2).
 * Add a command: a file in commands/ and a line in commands/command-list.ts.
 */
export type CliCommand = {
  name: string;
  /** Its lines of the usage text, aligned with the others. */
  usage: string;
  run: (ctx: CliContext) => Promise<number | undefined>;
};

export function createCliContext(args: string[], options: CliOptions): CliContext {
  let config: Config | undefined;
  let client: SwitchyardClient | undefined;
  const getConfig = () => (config ??= parseConfig(process.env));
  return {
    args,
    options,
    config: getConfig,
    client: () => {
      const c = getConfig();
      return (client ??= createClient({ url: c.API_URL, token: c.SWITCHYARD_API_KEY ?? c.API_TOKENS[0] }));
    },
  };
}
