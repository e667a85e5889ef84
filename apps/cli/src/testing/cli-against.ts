import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import type { TestApi } from "../../../api/src/testing/start-api";

const run = promisify(execFile);
const bin = join(import.meta.dirname, "../../bin/switchyard.js");

export type CliResult = { code: number; stdout: string; stderr: string };

/** Runs `switchyard <args>` against `api()` (its env, API_URL), answering its exit code and output. */
export function cliAgainst(api: () => TestApi): (...args: string[]) => Promise<CliResult> {
  return (...args) =>
    run(process.execPath, [bin, ...args], {
      env: { ...process.env, ...api().deps.env, API_URL: api().url, LOG_LEVEL: "error" },
    }).then(
      (out) => ({ code: 0, ...out }),
      (err: CliResult) => err,
    );
}
