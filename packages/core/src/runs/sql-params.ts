/**
 * The parameters of one statement, by name: each name gets one `$n` however often the text refers to it, so no
 * part of a statement depends on the order in which the others pushed theirs.
 */
export type SqlParams = {
  /** `$n::type` for `name` (the same `$n` every time). */
  ref: (name: string, type: string) => string;
  /** The names in `$n` order: the values list of an execution. */
  readonly names: readonly string[];
};

export function createSqlParams(): SqlParams {
  const names: string[] = [];
  return {
    ref: (name, type) => {
      let at = names.indexOf(name);
      if (at === -1) at = names.push(name) - 1;
      return `$${at + 1}::${type}`;
    },
    names,
  };
}
