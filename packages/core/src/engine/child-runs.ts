/** What a workflow or map node asks for: one child run per input, at most `concurrency` of them live at once. */
export type ChildRunsRequest = {
  nodeId: string;
  nodeTry: number;
  /** A workflow's handle or id; unknown or archived: the node fails "Workflow not found". */
  workflow: string;
  /** A version number; the workflow's latest when absent. */
  version?: number | undefined;
  /** Each child's input_payload, in item order. */
  inputs: readonly unknown[];
  concurrency: number;
  /** fail_fast: the first child that does not succeed resolves the group; collect: every child runs. */
  onFailure: "fail_fast" | "collect";
  /** false: nobody waits for the children (a workflow node with `wait: false`). */
  wait: boolean;
};

export type ChildOutcome = {
  id: string | null;
  status: string;
  error: string | null;
  /** The child's result (its graph's `output`, else its final_state); null unless it succeeded. */
  result: unknown;
};

export type ChildGroupState = {
  /** true once every child finished, or a fail_fast child did not succeed. */
  resolved: boolean;
  /** In item order (filled in only when resolved, or when asked for). */
  children: ChildOutcome[];
  /** The first child that did not succeed, if any. */
  failed: ChildOutcome | null;
};

/**
 * Child runs as a node sees them; the run executor implements it over Postgres (runs/child-runs.ts). Opening is
 * idempotent per (run attempt, node, try): a node executed again after a crash gets the group it created.
 */
export type ChildRuns = {
  /** MAP_MAX_ITEMS: the most items a map node may fan out over. */
  maxItems: number;
  /** Creates the group (and its first children, enqueued), or finds it. Throws a NodeError it cannot create. */
  open: (request: ChildRunsRequest) => Promise<{ groupId: string }>;
  read: (groupId: string, withChildren?: boolean) => Promise<ChildGroupState>;
  /** Cancels the group's live children (fail_fast), running ones on their workers. */
  cancelLive: (groupId: string) => Promise<void>;
};
