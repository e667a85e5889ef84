import type { CliCommand } from "../cli-context";
import { KEYS_USAGE, runKeysCommand, UsageError } from "../keys";
import { runSecretsCommand, SECRETS_USAGE } from "../secrets";

/** A command whose usage errors are `UsageError`s: the message, then the usage (exit 2). */
function withUsageErrors(run: CliCommand["run"]): CliCommand["run"] {
  return async (ctx) => {
    try {
      return await run(ctx);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      console.error(`switchyard: ${err.message}`);
      return undefined;
    }
  };
}

export const keysCommand: CliCommand = {
  name: "keys",
  usage: KEYS_USAGE,
  run: withUsageErrors(({ args, options, config }) => runKeysCommand(config(), args[0], args[1], options)),
};

export const secretsCommand: CliCommand = {
  name: "secrets",
  usage: SECRETS_USAGE,
  run: withUsageErrors(({ args, config }) => runSecretsCommand(config(), args[0])),
};
