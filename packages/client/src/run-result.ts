import type { Run } from "./api-types";

/**
 * A succeeded run's result (docs/composition.md): `output_payload.result` when its graph has an `output` (whatever
 * that evaluated to, null included), else its `final_state`, else the output as stored (a caller-driven run's).
 * `undefined` for a run that has not succeeded.
 */
export function runResult(run: Pick<Run, "status" | "output_payload">): unknown {
  if (run.status !== "succeeded") return undefined;
  const output = run.output_payload;
  if (typeof output !== "object" || output === null || Array.isArray(output)) return output;
  if (Object.hasOwn(output, "result")) return (output as { result: unknown }).result;
  if (Object.hasOwn(output, "final_state")) return (output as { final_state: unknown }).final_state;
  return output;
}
