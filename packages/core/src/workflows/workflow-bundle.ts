import { z } from "zod";

const VARIABLE_NAME = /^[A-Z][A-Z0-9_]*$/;
/** `${NAME}` never occurs in a valid JSONata expression or template, so it cannot clash with `{{ }}`. */
const PLACEHOLDER = /\$\{([A-Z][A-Z0-9_]*)\}/g;

/**
 * A workflow in one file (examples/*.json): the workflow, its version and its trigger configs, with `${NAME}`
 * placeholders for what differs per installation (endpoint URLs, secrets). `variables` declares each one. `flow` holds
 * the workflow's flow settings, each the body of its route's PUT (docs/flow-control.md).
 */
export const WorkflowBundle = z.strictObject({
  description: z.string().optional(),
  variables: z
    .record(z.string(), z.strictObject({ description: z.string().min(1), default: z.string().optional() }))
    .superRefine((variables, ctx) => {
      for (const name of Object.keys(variables)) {
        if (!VARIABLE_NAME.test(name)) {
          ctx.addIssue({ code: "custom", path: [name], message: "variable names are upper case: A-Z, 0-9 and _" });
        }
      }
    })
    .default({}),
  // The API checks these fields itself (unknown ones are a 422), so only what the loader reads is checked here.
  workflow: z.looseObject({ name: z.string().min(1), handle: z.string().min(1).optional() }),
  version: z.looseObject({ graph: z.unknown().refine((g) => g !== undefined, "graph is required") }),
  triggers: z
    .strictObject({
      webhook: z.record(z.string(), z.unknown()).optional(),
      cron: z.record(z.string(), z.unknown()).optional(),
      /** Not installed: the input a manual run of this workflow expects, for `switchyard trigger --input`. */
      manual: z.strictObject({ input_payload: z.unknown() }).optional(),
    })
    .default({}),
  flow: z
    .strictObject({
      concurrency: z.record(z.string(), z.unknown()).optional(),
      rate_limit: z.record(z.string(), z.unknown()).optional(),
      routing: z.record(z.string(), z.unknown()).optional(),
    })
    .default({}),
});
export type WorkflowBundle = z.infer<typeof WorkflowBundle>;

export class WorkflowBundleError extends Error {
  override name = "WorkflowBundleError";
  constructor(readonly problems: string[]) {
    super(`Invalid workflow file:\n${problems.map((p) => `  ${p}`).join("\n")}`);
  }
}

/**
 * Checks a bundle and fills in its placeholders from `values` (else each variable's default). Every problem is
 * listed: a bad field, a value for an undeclared variable, a placeholder no variable declares, a value missing.
 */
export function parseWorkflowBundle(raw: unknown, values: Readonly<Record<string, string>> = {}): WorkflowBundle {
  const parsed = WorkflowBundle.safeParse(raw);
  if (!parsed.success) {
    throw new WorkflowBundleError(
      parsed.error.issues.map((i) => `${i.path.map(String).join(".") || "(file)"}: ${i.message}`),
    );
  }
  const bundle = parsed.data;
  const problems: string[] = [];
  const declared = Object.keys(bundle.variables);
  for (const name of Object.keys(values)) {
    if (!(name in bundle.variables)) {
      problems.push(`${name} is not a variable of this file (it has: ${declared.join(", ") || "none"})`);
    }
  }
  const used = new Set<string>();
  const { workflow, version, triggers, flow } = bundle;
  const filled = substitute({ workflow, version, triggers, flow }, (name) => {
    used.add(name);
    return values[name] ?? bundle.variables[name]?.default;
  }) as Pick<WorkflowBundle, "workflow" | "version" | "triggers" | "flow">;
  for (const name of used) {
    const variable = bundle.variables[name];
    if (variable === undefined) problems.push(`\${${name}} is used but not declared in variables`);
    else if (values[name] === undefined && variable.default === undefined) {
      problems.push(`${name} needs a value: ${variable.description}`);
    }
  }
  if (problems.length > 0) throw new WorkflowBundleError(problems);
  return { ...bundle, ...filled };
}

/** Replaces `${NAME}` in every string of a JSON value; an unknown name stays as it is (and is reported). */
function substitute(value: unknown, lookup: (name: string) => string | undefined): unknown {
  if (typeof value === "string") return value.replace(PLACEHOLDER, (whole, name: string) => lookup(name) ?? whole);
  if (Array.isArray(value)) return value.map((v) => substitute(v, lookup));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, lookup)]));
  }
  return value;
}
