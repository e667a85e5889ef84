import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { hasTemplate, listTemplateExpressions, parseTemplate, renderTemplate } from "./render-template";

const context = {
  input: { n: 5, name: "Ada", obj: { a: 1 }, list: [1, 2] },
  steps: { a: { ok: true } },
  run: { id: "r1" },
};

describe("templates", () => {
  it("gives a whole-string template the expression's value with its type", async () => {
    assert.equal(await renderTemplate("{{ input.n }}", context), 5);
    assert.deepEqual(await renderTemplate("{{input.obj}}", context), { a: 1 });
    assert.deepEqual(await renderTemplate("{{ input.list }}", context), [1, 2]);
    assert.equal(await renderTemplate("{{ input.n > 3 }}", context), true);
    assert.equal(await renderTemplate("{{ steps.a.ok }}", context), true);
  });

  it("interpolates templates inside text, JSON-stringifying objects", async () => {
    assert.equal(await renderTemplate("n={{ input.n }}", context), "n=5");
    assert.equal(await renderTemplate("{{ input.name }} has {{ input.n }}", context), "Ada has 5");
    assert.equal(await renderTemplate("obj: {{ input.obj }}", context), 'obj: {"a":1}');
    assert.equal(await renderTemplate("missing: [{{ input.nothing }}]", context), "missing: []");
  });

  it("renders nested objects and arrays and drops keys whose expression matches nothing", async () => {
    const rendered = await renderTemplate(
      {
        a: "{{ input.n * 2 }}",
        b: ["x", "{{ input.name }}"],
        c: { d: "id {{ run.id }}" },
        gone: "{{ input.nothing }}",
        k: 3,
      },
      context,
    );
    assert.deepEqual(rendered, { a: 10, b: ["x", "Ada"], c: { d: "id r1" }, k: 3 });
  });

  it("leaves strings without templates as they are", async () => {
    assert.equal(await renderTemplate("plain { text }", context), "plain { text }");
    assert.equal(parseTemplate("plain").kind, "literal");
    assert.equal(hasTemplate({ a: ["x", { b: "{{ 1 }}" }] }), true);
    assert.equal(hasTemplate({ a: ["x", { b: 1 }] }), false);
  });

  it("lists the expressions of a value with their paths", () => {
    assert.deepEqual(listTemplateExpressions({ url: "https://x/{{ input.id }}?q={{ input.q }}", h: ["{{ a }}"] }), [
      { path: ["url"], expression: "input.id" },
      { path: ["url"], expression: "input.q" },
      { path: ["h", 0], expression: "a" },
    ]);
  });

  it("parses each distinct string once", () => {
    assert.equal(parseTemplate("{{ input.n }}"), parseTemplate("{{ input.n }}"));
  });
  it("keeps a __proto__ key of a templated object as data", async () => {
    const value = JSON.parse('{"__proto__": {"n": "{{ input.n }}"}, "name": "{{ input.name }}"}');
    const rendered = (await renderTemplate(value, context)) as object;
    assert.deepEqual(Object.keys(rendered), ["__proto__", "name"]);
    assert.equal(Object.getPrototypeOf(rendered), Object.prototype);
    assert.equal(JSON.stringify(rendered), '{"__proto__":{"n":5},"name":"Ada"}');
  });
});
