import jsonata from "jsonata";
import { boundedMemo } from "./bounded-memo";
import { errorMessage } from "../errors";

export type Expression = jsonata.Expression;

/** Compiles a JSONata expression once per distinct string; throws the JSONata error when it does not parse. */
export const compileExpression: (source: string) => Expression = boundedMemo((source) => jsonata(source));

/** Evaluates against the run context; `undefined` (JSONata's "no match") is returned as is. */
export async function evaluateExpression(source: string, context: unknown): Promise<unknown> {
  return compileExpression(source).evaluate(context);
}

/** The error message of a JSONata expression that does not compile, or null when it does. */
export function expressionError(source: string): string | null {
  try {
    compileExpression(source);
    return null;
  } catch (err) {
    const position = typeof err === "object" && err !== null && "position" in err ? Number(err.position) : NaN;
    return Number.isFinite(position) ? `${errorMessage(err)} (at position ${position})` : errorMessage(err);
  }
}

/** JSONata's `$boolean` casting, so `when` conditions read the way JSONata users expect. */
export function isTruthy(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.some(isTruthy);
  switch (typeof value) {
    case "boolean":
      return value;
    case "number":
      return value !== 0;
    case "string":
      return value.length > 0;
    case "function":
      return false;
    case "object":
      return Object.keys(value).length > 0;
    default:
      return true;
  }
}
