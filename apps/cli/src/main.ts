import { parseArgs } from "node:util";
import { createCliContext } from "./cli-context";
import { COMMANDS } from "./commands/command-list";

const USAGE = `usage: switchyard <command>\n${COMMANDS.map((c) => c.usage).join("\n")}`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      input: { type: "string", default: "{}" },
      follow: { type: "boolean", default: false },
      tz: { type: "string", default: "UTC" },
      count: { type: "string", default: "10" },
      set: { type: "string", multiple: true, default: [] },
      name: { type: "string" },
      scopes: { type: "string" },
      priority: { type: "string" },
    },
  });
  const [name, ...args] = positionals;
  const command = COMMANDS.find((c) => c.name === name);
  const code = command === undefined ? undefined : await command.run(createCliContext(args, values));
  if (code !== undefined) return code;
  console.error(USAGE);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
