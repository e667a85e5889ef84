/** Graphs the client, CLI and MCP tests run through a real worker. */
export const SET_GRAPH = { nodes: [{ id: "a", type: "set", params: { value: "{{ input.n }}" } }], edges: [] };

/** Logs, waits for the `go` signal, then answers the signal's body: a run a test can hold open. */
export const SIGNAL_GRAPH = {
  nodes: [
    { id: "hello", type: "log", params: { message: "hello {{ input.n }}" } },
    { id: "gate", type: "wait_for_signal", params: { name: "go" } },
    { id: "done", type: "set", params: { value: "{{ steps.gate.answer }}" } },
  ],
  edges: [
    { from: "hello", to: "gate" },
    { from: "gate", to: "done" },
  ],
};

export const FAIL_GRAPH = { nodes: [{ id: "a", type: "fail", params: { message: "no" } }], edges: [] };

/** SET_GRAPH with a graph `output`: a succeeded run's `output_payload.result` is `{doubled: 2n}`, null for n = 0. */
export const OUTPUT_GRAPH = { ...SET_GRAPH, output: "steps.a = 0 ? null : {'doubled': steps.a * 2}" };
