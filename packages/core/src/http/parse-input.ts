import type { z } from "zod";
import { ValidationError, type ValidationIssue } from "../errors";

/** Maps zod issues to the API's 422 shape: `{"detail": [{loc, msg, type}]}`. */
export function toValidationIssues(error: z.ZodError, root: string): ValidationIssue[] {
  return error.issues.map((i) => ({
    loc: [root, ...i.path.map((p) => (typeof p === "symbol" ? String(p) : p))],
    msg: i.message,
    type: i.code,
  }));
}

/** Parses untrusted input (a body, a query) with a zod schema; 422 listing every problem otherwise. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  data: unknown,
  root: "body" | "query" | "path" = "body",
): z.infer<S> {
  const result = schema.safeParse(data);
  if (!result.success) throw new ValidationError(toValidationIssues(result.error, root));
  return result.data;
}
