import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createNodeRegistry } from "./node-registry";
import { InvalidGraphError, parseGraph, validateGraph } from "./validate-graph";

const registry = createNodeRegistry();
const messages = (graph: unknown) => validateGraph(graph, registry).map((p) => p.message);

describe("validateGraph", () => {
  it("accepts the example graph of workflow-graph.md", () => {
    const graph = {
      nodes: [
        { id: "fetch", type: "http.request", params: { url: "{{ input.body.url }}" }, retry: { max_attempts: 3 } },
        { id: "pick", type: "transform", params: { expression: "steps.fetch.body.items[price > 10]" } },
        { id: "big", type: "log", params: { message: "{{ $count(steps.pick) }} items" } },
      ],
      edges: [
        { from: "fetch", to: "pick" },
        { from: "pick", to: "big", when: "$count(steps.pick) > 0" },
      ],
    };
    assert.deepEqual(validateGraph(graph, registry), []);
    const parsed = parseGraph(graph, registry);
    assert.equal(parsed.nodes[0]?.retry.max_attempts, 3);
    assert.equal(parsed.nodes[0]?.retry.backoff_factor, 2);
    assert.equal(parsed.nodes[1]?.continue_on_error, false);
  });

  it("rejects a graph without nodes", () => {
    assert.deepEqual(messages({ nodes: [] }), ["graph.nodes: graph.nodes must be a non-empty list"]);
    assert.equal(messages("nope").length, 1);
  });

  it("names the node for a bad id, a duplicate id and an unknown type", () => {
    const problems = validateGraph(
      {
        nodes: [
          { id: "Bad Id", type: "set", params: { value: 1 } },
          { id: "a", type: "set", params: { value: 1 } },
          { id: "a", type: "set", params: { value: 2 } },
          { id: "b", type: "nope" },
        ],
      },
      registry,
    );
    assert.deepEqual(
      problems.map((p) => [p.node, p.message]),
      [
        ["Bad Id", "node 'Bad Id': id: id must be 1-64 characters of a-z, 0-9, _ or -"],
        ["a", "node 'a': id is used by another node"],
        ["b", "node 'b': unknown node type 'nope'"],
      ],
    );
    assert.deepEqual(problems[2]?.path, ["nodes", 3, "type"]);
  });

  it("checks params with the type's schema", () => {
    assert.deepEqual(
      messages({
        nodes: [
          { id: "h", type: "http.request", params: { url: "ftp://x", method: "BREW" } },
          { id: "l", type: "log", params: { level: "loud" } },
          { id: "s", type: "set", params: { value: 1, extra: true } },
        ],
      }),
      [
        'node \'h\': params.method: Invalid option: expected one of "GET"|"HEAD"|"POST"|"PUT"|"PATCH"|"DELETE"|"OPTIONS"',
        "node 'h': params.url: url must be an http(s) URL",
        "node 'l': params.message: message is required",
        'node \'l\': params.level: Invalid option: expected one of "debug"|"info"|"warn"|"error"',
        "node 's': params: Unrecognized key: \"extra\"",
      ],
    );
  });

  it("compiles a code node's source without running it, and takes {{ }} in it verbatim", () => {
    assert.deepEqual(
      messages({
        nodes: [
          { id: "ok", type: "code", params: { source: "while (true) {} return '{{ not a template';" } },
          { id: "broken", type: "code", params: { source: "return (;" } },
          { id: "slow", type: "code", params: { source: "return 1;", timeout_seconds: 0 } },
        ],
      }),
      [
        "node 'broken': params.source: does not compile: Unexpected token ';'",
        "node 'slow': params.timeout_seconds: Too small: expected number to be >0",
      ],
    );
  });

  it("leaves templated params to be checked when they are rendered", () => {
    assert.deepEqual(
      messages({
        nodes: [
          {
            id: "h",
            type: "http.request",
            params: { url: "{{ input.url }}", timeout_seconds: "{{ input.t }}", headers: "{{ input.h }}" },
          },
          { id: "g", type: "http.request", params: { url: "https://api.example/{{ input.id }}" } },
        ],
      }),
      [],
    );
  });

  it("rejects JSONata that does not compile in when, transform and templates", () => {
    const found = messages({
      nodes: [
        { id: "t", type: "transform", params: { expression: "steps.a[" } },
        { id: "s", type: "set", params: { value: { deep: ["ok {{ input.( }}"] } } },
        { id: "u", type: "set", params: { value: 1 } },
      ],
      edges: [{ from: "t", to: "u", when: "1 +" }],
    });
    assert.equal(found.length, 3);
    assert.match(found[0]!, /^node 't': params\.expression: invalid expression: .+ \(at position \d+\)$/);
    assert.match(found[1]!, /^node 's': params\.value\.deep\[0\]: invalid template expression: /);
    assert.equal(found[2], "edge 't' -> 'u': invalid when expression: Unexpected end of expression (at position 3)");
  });

  it("rejects edges to unknown nodes and cycles, naming a node of the cycle", () => {
    const graph = {
      nodes: ["a", "b", "c"].map((id) => ({ id, type: "set", params: { value: 1 } })),
      edges: [
        { from: "a", to: "b" },
        { from: "b", to: "c" },
        { from: "c", to: "b" },
        { from: "a", to: "zz" },
      ],
    };
    assert.deepEqual(messages(graph), [
      "edge 'a' -> 'zz': unknown node 'zz'",
      "node 'b': edges form a cycle b -> c -> b",
    ]);
    assert.deepEqual(
      messages({ nodes: [{ id: "a", type: "set", params: { value: 1 } }], edges: [{ from: "a", to: "a" }] }),
      ["node 'a': edges form a cycle a -> a"],
    );
  });

  it("throws InvalidGraphError carrying every problem from parseGraph", () => {
    assert.throws(
      () =>
        parseGraph(
          {
            nodes: [
              { id: "a", type: "x" },
              { id: "b", type: "y" },
            ],
          },
          registry,
        ),
      (err: unknown) => err instanceof InvalidGraphError && err.problems.length === 2,
    );
  });
  it("refuses node ids that name object internals", () => {
    for (const id of ["__proto__", "constructor", "prototype"]) {
      assert.deepEqual(messages({ nodes: [{ id, type: "set", params: { value: 1 } }] }), [
        `node '${id}': id: id names an object internal (__proto__, constructor, prototype)`,
      ]);
    }
  });

  it("refuses a __proto__ param instead of dropping it", () => {
    const graph = { nodes: [JSON.parse('{"id": "a", "type": "set", "params": {"value": 1, "__proto__": 2}}')] };
    assert.deepEqual(messages(graph), ["node 'a': params.__proto__: not a param (object internals are not data)"]);
  });

  it("refuses a regular expression that backtracks exponentially, naming the node", () => {
    const problems = validateGraph(
      { nodes: [{ id: "pick", type: "transform", params: { expression: "$match(input.s, /(a+)+$/)" } }] },
      registry,
    );
    assert.equal(problems[0]?.node, "pick");
    assert.match(problems[0]?.message ?? "", /^node 'pick': params.expression: invalid expression: .*exponential time/);
  });
});
