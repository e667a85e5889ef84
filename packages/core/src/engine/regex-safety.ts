import { analyse } from "scslre";
import { boundedMemo } from "./bounded-memo";
import { NodeError } from "./node-type";

/**
 * JSONata runs regular expressions as JavaScript RegExps, synchronously: a pattern with exponential backtracking
 * (`/(a+)+$/`) on a hostile string would hold the event loop with no hook in between. Such patterns are refused:
 * when a version is created (the literals in its expressions) and when one is built at run time (`$eval`).
 * scslre finds the quantifiers whose ambiguity an attacker can exploit; only exponential cases are refused, as
 * polynomial ones are bounded by the size of the strings (which the other budgets bound).
 */
export const regexProblem: (key: string) => string | null = boundedMemo((key) => {
  const slash = key.lastIndexOf("/");
  const source = key.slice(1, slash);
  const flags = key.slice(slash + 1);
  try {
    const { reports } = analyse({ source, flags }, { maxReports: 20 });
    return reports.some((r) => r.exponential)
      ? `regular expression /${source}/ can take exponential time (nested or overlapping repetition)`
      : null;
  } catch {
    // A pattern its parser does not know (newer syntax) is left to the RegExp constructor.
    return null;
  }
}, 2_000);

/** The problem with a regular expression, or null when it is safe to run. */
export function checkRegex(re: RegExp): string | null {
  return regexProblem(`/${re.source}/${re.flags}`);
}

/** JSONata's RegexEngine option: every regex an evaluation builds is checked first. */
export class CheckedRegExp extends RegExp {
  constructor(pattern: RegExp | string, flags?: string) {
    super(pattern, flags);
    const problem = checkRegex(this);
    if (problem !== null) throw new NodeError(problem);
  }
}

/** Every regex literal in a parsed JSONata expression (its AST holds them as RegExp values). */
export function listRegexLiterals(ast: unknown): RegExp[] {
  const found: RegExp[] = [];
  const seen = new Set<object>();
  const stack: unknown[] = [ast];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== "object" || node === null || seen.has(node)) continue;
    seen.add(node);
    if (node instanceof RegExp) found.push(node);
    else stack.push(...Object.values(node));
  }
  return found;
}
