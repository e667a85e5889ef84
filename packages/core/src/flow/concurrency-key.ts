import { createHash } from "node:crypto";
import { evaluateExpression } from "../engine/compile-expression";
import type { ExpressionLimits } from "../engine/expression-limits";

/** Key values longer than this are kept as their SHA-256: a key is compared, never read back. */
const MAX_KEY_CHARS = 256;

/**
 * A run's concurrency key value: its workflow's `key` expression evaluated against `{"input": <input_payload>}`,
 * as JSON text (so `1` and `"1"` differ). No expression: every run shares the key "". An expression that yields
 * nothing, or that fails, gives the run a key of its own.
 */
export async function concurrencyKeyOf(
  expression: string | null,
  input: unknown,
  runId: string,
  limits?: ExpressionLimits,
): Promise<string> {
  if (expression === null) return "";
  let value: unknown;
  try {
    value = await evaluateExpression(expression, { input: input ?? {} }, limits === undefined ? {} : { limits });
  } catch {
    value = undefined;
  }
  if (value === undefined) return `run:${runId}`;
  const text = JSON.stringify(value);
  return text.length <= MAX_KEY_CHARS ? text : `sha256:${createHash("sha256").update(text).digest("hex")}`;
}
