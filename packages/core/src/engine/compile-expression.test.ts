import { describe, it } from "node:test";
import assert from "node:assert/strict";
import jsonata from "jsonata";
import { evaluateExpression, expressionError } from "./compile-expression";

const limits = { timeoutMs: 2_000, maxDepth: 1_000, maxBuild: 100_000 };
const evaluate = (source: string, context: unknown = {}) => evaluateExpression(source, context, { limits });
const BUILD = /^expression built more than EXPRESSION_MAX_BUILD \(100000\) elements$/;

/** The value plain JSONata gives, through JSON so sequences and null-prototype objects compare as data. */
const plain = async (source: string, context: unknown) => JSON.stringify(await jsonata(source).evaluate(context));
const bounded = async (source: string, context: unknown) => JSON.stringify(await evaluate(source, context));

describe("evaluateExpression", () => {
  it("gives what plain JSONata gives for the built-ins it bounds", async () => {
    const context = {
      s: "a-b-c",
      list: [3, 1, 2, 1],
      words: ["b", "a", "c"],
      objs: [{ a: 1, b: 2 }, { b: 2, a: 1 }, { a: 2 }],
    };
    for (const source of [
      "$pad('ab', 5, '-')",
      "$pad('ab', -5)",
      "$join(words, ', ')",
      "$replace(s, '-', '+')",
      "$replace(s, /(\\w)/, '<$1$0$$>')",
      "$replace(s, /b/, function($m){ $uppercase($m.match) })",
      "$replace(s, '-', '', 1)",
      "$split(s, '-')",
      "$split(s, /-/, 2)",
      "$match(s, /[a-c]/)",
      "$string({'a': [1, {'b': 2}]}, true)",
      "$string(list)",
      "$clone(objs)",
      "$distinct(list)",
      "$distinct(objs)",
      "$distinct(['1', 1, '1'])",
      "$sort(list)",
      "$sort(words)",
      "$sort(objs, function($l, $r){ $l.a > $r.a })",
      "$fromMillis(0, '[Y0001]-[M01]-[D01]')",
      "$formatInteger(42, '000')",
      "$formatNumber(1234.5, '#,##0.00')",
      "$toMillis('2020-01-02', '[Y0001]-[M01]-[D01]')",
      "$parseInteger('0042', '0000')",
      "$map(words, $string)",
    ]) {
      assert.equal(await bounded(source, context), await plain(source, context), source);
    }
  });

  it("reads a path of plain names as JSONata does, without evaluating it", async () => {
    const context = { run: { attempt: 2, nested: { list: [{ a: 1 }, { a: 2 }] } }, x: null, s: "text" };
    for (const source of [
      "run.attempt",
      "run",
      "run.nested.list",
      "run.nested.list.a",
      "run.missing.deeper",
      "x.y",
      "s.length",
      "run.constructor",
      "run.toString",
      "`run`.attempt",
    ]) {
      assert.equal(await bounded(source, context), await plain(source, context), source);
    }
  });

  it("fails an amplifying step before it builds, naming EXPRESSION_MAX_BUILD", async () => {
    for (const source of [
      "$pad('', 1000000000)",
      "$pad('', 100000, $pad('', 1000))",
      "$join([1..100].$string(), $pad('', 10000))",
      "$replace($pad('', 1000, 'a'), 'a', $pad('', 1000))",
      "$replace($pad('', 1000, 'a'), /a/, $pad('', 1000))",
      "$replace($pad('', 1000, 'a'), /a+/, $join([1..100].('$0')))",
      "($big := $pad('', 50000); $replace($pad('', 100, 'a'), /a/, function($m){ $big }))",
      "$split($pad('', 90000, 'a'), /a/) ~> $count()",
      "$match($pad('', 90000, 'a'), /a/) ~> $count()",
      "$fromMillis(0, '[Y,1000000000]')",
      "$now('[Y,1000000000]')",
      "$formatInteger(1, '[1000000000]')",
      "[1..100000000]",
      "[1..20000]",
      "$reduce([1..60], function($acc, $v){ [[$acc], [$acc]] }, 'x') ~> $string(true)",
      "($a := $reduce([1..60], function($acc, $v){ {'l': $acc, 'r': $acc} }, 'x'); $a = $a)",
      "$reduce([1..30], function($acc, $v){ $acc & $acc }, 'xx')",
    ]) {
      await assert.rejects(evaluate(source), { message: BUILD }, source);
    }
  });

  it("fails endless recursion on time and deep recursion on depth", async () => {
    await assert.rejects(evaluate("($f := function($x){ $f($x) }; $f(1))"), {
      message: "expression exceeded EXPRESSION_TIMEOUT_MS (2000 ms)",
    });
    await assert.rejects(evaluate("($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100000))"), {
      message: "expression nested deeper than EXPRESSION_MAX_DEPTH (1000)",
    });
    assert.equal(await evaluate("($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(50))"), 50);
  });

  it("stops when the run's signal aborts", async () => {
    const controller = new AbortController();
    const running = evaluateExpression("($f := function($x){ $f($x) }; $f(1))", {}, { signal: controller.signal });
    setImmediate(() => controller.abort(new Error("run cancelled")));
    await assert.rejects(running, { message: "run cancelled" });
  });

  it("refuses a regular expression that backtracks exponentially, in the source and through $eval", async () => {
    assert.match(expressionError("$match(s, /(a+)+$/)") ?? "", /\/\(a\+\)\+\$\/ can take exponential time/);
    assert.match(expressionError("$replace(s, /^(\\w+\\s?)*$/, '')") ?? "", /exponential time/);
    assert.equal(expressionError("$match(s, /^[a-z]+@[a-z]+\\.com$/)"), null);
    await assert.rejects(evaluate("$eval(\"$match('aaaa!', /(a+)+$/)\")"), { message: /exponential time/ });
  });

  it("keeps a __proto__ key an object constructor builds as data", async () => {
    const value = (await evaluate('{"__proto__": {"x": 1}, "a": input.a}', { input: { a: 2 } })) as object;
    assert.deepEqual(Object.keys(value), ["__proto__", "a"]);
    assert.equal(JSON.stringify(value), '{"__proto__":{"x":1},"a":2}');
  });
});
