import { describe, expect, it } from "vitest";
import { didYouMean } from "../../runtime/plan/did-you-mean.ts";
import {
  ExpressionError,
  checkExpression,
  evaluateExpression,
  isTruthy,
  parseExpression,
  printExpression,
  unwrapTemplate,
  usesStatusFunction,
  type Expr,
  type ExpressionContext,
  type ExpressionScope,
} from "../../runtime/plan/expression/index.ts";

function parse(text: string): Expr {
  const result = parseExpression(text);
  if (!result.ok) throw new Error(`${text}: ${result.message} at ${result.offset}`);
  return result.expr;
}

const ctx: ExpressionContext = {
  env: { CI: "true", COUNT: "3", EMPTY: "", JSON: '{"a":[1,2]}' },
  vars: { REGION: "eu-west-1", DEPLOY: "yes" },
  matrix: { os: "linux", node: 20, experimental: false },
  needs: {
    build: { result: "success", outputs: { version: "1.2.3", "image-tag": "abc" } },
    lint: { result: "failure" },
  },
  git: { branch: "main", sha: "deadbeef", tag: null },
  pipeline: { name: "ci" },
  run: { id: "r-1" },
  status: { anyFailed: false, cancelled: false },
};
const evaluate = (text: string, over: Partial<ExpressionContext> = {}): unknown => evaluateExpression(parse(text), { ...ctx, ...over });

describe("parseExpression", () => {
  it.each<[string, Expr]>([
    ["true", { kind: "literal", value: true }],
    ["null", { kind: "literal", value: null }],
    ["'it''s'", { kind: "literal", value: "it's" }],
    ["-1.5", { kind: "literal", value: -1.5 }],
    ["needs.build.result", { kind: "context", root: "needs", path: ["build", "result"] }],
    ["needs['build-x'].outputs[0]", { kind: "context", root: "needs", path: ["build-x", "outputs", 0] }],
    ["needs.build-x.result", { kind: "context", root: "needs", path: ["build-x", "result"] }],
    ["always()", { kind: "call", name: "always", args: [] }],
    ["!!env.CI", { kind: "unary", op: "!", operand: { kind: "unary", op: "!", operand: { kind: "context", root: "env", path: ["CI"] } } }],
    [
      "a || b && c",
      {
        kind: "binary",
        op: "||",
        left: { kind: "context", root: "a", path: [] },
        right: { kind: "binary", op: "&&", left: { kind: "context", root: "b", path: [] }, right: { kind: "context", root: "c", path: [] } },
      },
    ],
    [
      "1 < 2 == true",
      {
        kind: "binary",
        op: "==",
        left: { kind: "binary", op: "<", left: { kind: "literal", value: 1 }, right: { kind: "literal", value: 2 } },
        right: { kind: "literal", value: true },
      },
    ],
    [
      "contains(git.branch, 'rel')",
      { kind: "call", name: "contains", args: [{ kind: "context", root: "git", path: ["branch"] }, { kind: "literal", value: "rel" }] },
    ],
  ])("parses %s", (text, expected) => {
    expect(parseExpression(text)).toEqual({ ok: true, expr: expected });
  });

  it.each<[string, string, number]>([
    ["", "empty expression", 0],
    ["env.CI # x", "unexpected character '#'", 7],
    ["a = 'b'", "unexpected character '='; did you mean '=='?", 2],
    ["a & b", "unexpected character '&'; did you mean '&&'?", 2],
    ["'abc", "unterminated string", 0],
    ["x == 'it''s", "unterminated string", 5],
    ["contains(a, 'b'", "expected ')' after arguments of contains", 15],
    ["contains(a 'b')", "expected ')' after arguments of contains", 11],
    ["(a || b", "expected ')' to close '('", 7],
    ["a ||", "unexpected end of expression", 4],
    ["a b", "unexpected 'b' after the expression", 2],
    ["needs.", "expected a property name after '.'", 6],
    ["needs[needs.x]", "expected a quoted name or an array index inside '[ ]'", 6],
    ["needs['a'", "expected ']' after index", 9],
    ["== 1", "unexpected '=='", 0],
    ["12abc", "invalid number", 0],
    ["1e999", "number out of range: 1e999", 0],
    ["fromJSON(env.JSON).a", "properties can only be read from a context, not from the result of fromJSON()", 18],
  ])("rejects %j: %s at %d", (text, message, offset) => {
    expect(parseExpression(text)).toEqual({ ok: false, message, offset });
  });
});

describe("printExpression", () => {
  it.each([
    ["a||b", "a || b"],
    ["(a || b) && c", "(a || b) && c"],
    ["a || (b && c)", "a || b && c"],
    ["a || (b || c)", "a || (b || c)"],
    ["(a || b) || c", "a || b || c"],
    ["!(a == b)", "!(a == b)"],
    ["!(a)", "!a"],
    ["needs['build']['x-y']", "needs.build['x-y']"],
    ["format( '{0}''s' ,env.A )", "format('{0}''s', env.A)"],
    ["(1 < 2) == (3 >= -4.5)", "1 < 2 == 3 >= -4.5"],
    ["1 == (2 == 3)", "1 == (2 == 3)"],
  ])("prints %s as %s", (text, expected) => {
    expect(printExpression(parse(text))).toBe(expected);
  });

  const corpus = [
    "success() && github == null",
    "always()",
    "!cancelled() && (failure() || needs.build.result == 'success')",
    "contains(fromJSON(env.JSON), 1) || startsWith(git.branch, 'release/')",
    "needs['build-linux'].outputs['image-tag'] != ''",
    "matrix.os == 'linux' && matrix.node >= 18 && !matrix.experimental",
    "join(needs, ', ')",
    "format('{{{0}}}', 'x') == '{x}'",
    "a || b && c || d",
    "(a || b) && (c || d)",
    "!(!a && !(b || c))",
    "x[0][12].y.null.true",
    "'' == '''' || 1.25e-7 < -3",
    "(a == b) == (c != d)",
    "a < b < c",
    "a < (b < c)",
  ];
  it.each(corpus)("round-trips %s", (text) => {
    const expr = parse(text);
    const printed = printExpression(expr);
    expect(parse(printed)).toEqual(expr);
    expect(printExpression(parse(printed))).toBe(printed);
  });
});

describe("print/parse round trip over generated trees", () => {
  // A small seeded generator: the same 300 trees on every run, so a failure is reproducible.
  let seed = 42;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return Math.floor(seed / 65536) % n;
  };
  const pick = <T,>(items: readonly T[]): T => items[next(items.length)] as T;
  const literals = ["", "it's", "{0}", "a b", 0, -1, 2.5, -0.125, 1e21, true, false, null] as const;
  const keys = ["build", "x-y", "result", "1a", "null", "with space", "o'k"] as const;
  const ops = ["||", "&&", "==", "!=", "<", "<=", ">", ">="] as const;
  const tree = (depth: number): Expr => {
    const choice = depth <= 0 ? next(2) : next(5);
    if (choice === 0) return { kind: "literal", value: pick(literals) };
    if (choice === 1) {
      const path = Array.from({ length: next(3) }, () => (next(4) === 0 ? next(10) : pick(keys)));
      return { kind: "context", root: pick(["env", "needs", "matrix", "git"]), path };
    }
    if (choice === 2) return { kind: "call", name: pick(["contains", "format", "always"]), args: Array.from({ length: next(3) }, () => tree(depth - 1)) };
    if (choice === 3) return { kind: "unary", op: "!", operand: tree(depth - 1) };
    return { kind: "binary", op: pick(ops), left: tree(depth - 1), right: tree(depth - 1) };
  };
  const trees = Array.from({ length: 300 }, () => tree(4));

  it("parse(print(e)) deep-equals e and printing is idempotent", () => {
    for (const expr of trees) {
      const printed = printExpression(expr);
      const reparsed = parseExpression(printed);
      expect(reparsed, printed).toEqual({ ok: true, expr });
      if (reparsed.ok) expect(printExpression(reparsed.expr)).toBe(printed);
    }
  });
});

describe("unwrapTemplate", () => {
  it.each([
    ["${{ success() }}", "success()"],
    ["  ${{env.CI}}  ", "env.CI"],
    [" env.CI == 'true' ", "env.CI == 'true'"],
    ["${{ a }} && ${{ b }}", "${{ a }} && ${{ b }}"],
  ])("unwraps %j", (text, expected) => {
    expect(unwrapTemplate(text)).toBe(expected);
  });
});

describe("evaluateExpression", () => {
  it.each<[string, unknown]>([
    ["needs.build.result", "success"],
    ["needs.build.outputs['image-tag']", "abc"],
    ["needs.lint.outputs.version", null],
    ["needs.nope.result", null],
    ["env.MISSING", null],
    ["env.constructor", null],
    ["secrets.TOKEN", null],
    ["git.tag", null],
    ["matrix.node", 20],
    ["pipeline.name == 'ci' && run.id", "r-1"],
    ["env.EMPTY || 'fallback'", "fallback"],
    ["env.EMPTY && 'x'", ""],
    ["'abc' == 'abc'", true],
    ["'abc' == 'ABC'", false],
    ["env.COUNT == 3", true],
    ["'3.0' == 3", true],
    ["'x' == 0", false],
    ["null == 0", true],
    ["null == ''", true],
    ["true == 1", true],
    ["matrix.experimental == false", true],
    ["env.COUNT > 2", true],
    ["'b' > 'a'", true],
    ["'B' < 'a'", true],
    ["'x' < 1", false],
    ["!env.EMPTY", true],
    ["!'false'", false],
    ["contains('Hello', 'ell')", true],
    ["contains('Hello', 'ELL')", false],
    ["contains(fromJSON('[1,2]'), 2)", true],
    ["contains(fromJSON('[1,2]'), '2')", true],
    ["contains(fromJSON('[\"a\",\"b\"]'), 'c')", false],
    ["startsWith(vars.REGION, 'eu-')", true],
    ["endsWith(vars.REGION, '-1')", true],
    ["join(fromJSON('[1,\"a\",null]'))", "1,a,"],
    ["join(fromJSON('[\"a\",\"b\"]'), ' | ')", "a | b"],
    ["join('solo', '-')", "solo"],
    ["format('{0}-{1}-{0}', matrix.os, 20)", "linux-20-linux"],
    ["format('{{literal}} {0}', null)", "{literal} "],
    ["fromJSON('{\"a\":1}')", { a: 1 }],
    ["toJSON(fromJSON('[1]'))", "[\n  1\n]"],
    ["toJSON('a')", '"a"'],
    ["fromJSON(env.JSON) == fromJSON(env.JSON)", false],
    ["always()", true],
    ["success()", true],
    ["failure()", false],
    ["cancelled()", false],
  ])("%s -> %j", (text, expected) => {
    expect(evaluate(text)).toEqual(expected);
  });

  it.each<[string, ExpressionContext["status"], boolean]>([
    ["success()", { anyFailed: true, cancelled: false }, false],
    ["success()", { anyFailed: false, cancelled: true }, false],
    ["failure()", { anyFailed: true, cancelled: false }, true],
    ["cancelled()", { anyFailed: false, cancelled: true }, true],
    ["always()", { anyFailed: true, cancelled: true }, true],
  ])("%s with %j -> %s", (text, status, expected) => {
    expect(evaluate(text, { status })).toBe(expected);
  });

  it("short-circuits so the right side is never evaluated", () => {
    expect(evaluate("false && fromJSON('{')")).toBe(false);
    expect(evaluate("true || fromJSON('{')")).toBe(true);
  });

  it.each([
    ["fromJSON('{')", /^fromJSON: invalid JSON/],
    ["format('{1}', 'a')", /^format: placeholder \{1\} has no argument \(1 given\)$/],
    ["format('{x}')", /^format: invalid placeholder at position 0/],
    ["format('a}')", /^format: unmatched '\}' at position 1/],
    ["nope()", /^unknown function 'nope'$/],
    ["contains('a')", /^contains expects 2 arguments, got 1$/],
  ])("%s throws an ExpressionError", (text, message) => {
    expect(() => evaluate(text)).toThrow(ExpressionError);
    expect(() => evaluate(text)).toThrow(message);
  });

  it.each<[unknown, boolean]>([
    [null, false],
    [undefined, false],
    [false, false],
    [0, false],
    [-0, false],
    ["", false],
    [Number.NaN, false],
    ["0", true],
    ["false", true],
    [[], true],
    [{}, true],
    [-1, true],
  ])("isTruthy(%j) is %s", (value, expected) => {
    expect(isTruthy(value)).toBe(expected);
  });
});

describe("usesStatusFunction", () => {
  it.each([
    ["always()", true],
    ["env.CI && !cancelled()", true],
    ["contains(format('{0}', failure()), 'x')", true],
    ["needs.build.result == 'success'", false],
    ["contains('success()', 'x')", false],
  ])("%s -> %s", (text, expected) => {
    expect(usesStatusFunction(parse(text))).toBe(expected);
  });
});

describe("checkExpression", () => {
  const scope: ExpressionScope = { matrixKeys: ["os", "node"], needs: ["build", "test"], vars: ["REGION"] };
  it.each<[string, { message: string; hint?: string }[]]>([
    ["needs.build.result == 'success' && matrix.os == 'linux' && vars.REGION && env.ANY && git.sha", []],
    ["needs.build.outputs.anything && pipeline.name && run.id && matrix && needs.test", []],
    ["secrets.TOKEN == 'x'", [{ message: "secrets cannot be used in conditions: their values would leak through the branch taken", hint: "decide on a non-secret variable instead, e.g. vars.DEPLOY_ENABLED" }]],
    ["github.ref", [{ message: "unknown context 'github'", hint: "valid contexts: env, vars, matrix, needs, git, pipeline, run" }]],
    ["envs.CI", [{ message: "unknown context 'envs'", hint: "did you mean 'env'? valid contexts: env, vars, matrix, needs, git, pipeline, run" }]],
    ["startswith(git.branch, 'x')", [{ message: "unknown function 'startswith'", hint: "did you mean 'startsWith'? valid functions: contains, startsWith, endsWith, join, format, fromJSON, toJSON, always, success, failure, cancelled, changed" }]],
    ["contains('a') || always(1) || join()", [
      { message: "contains() expects 2 arguments, got 1" },
      { message: "always() expects 0 arguments, got 1" },
      { message: "join() expects 1 or 2 arguments, got 0" },
    ]],
    ["format()", [{ message: "format() expects at least 1 argument, got 0" }]],
    ["matrix.oss == 'a' || matrix.oss == 'b'", [{ message: "matrix has no key 'oss'", hint: "did you mean 'os'? matrix keys: os, node" }]],
    ["needs.biuld.result", [{ message: "job 'biuld' is not in needs; add it to needs", hint: "did you mean 'build'?" }]],
    ["needs.deploy.result", [{ message: "job 'deploy' is not in needs; add it to needs" }]],
    ["needs.build.results", [{ message: "needs.build has no property 'results'", hint: "did you mean 'result'? use needs.build.result or needs.build.outputs.<name>" }]],
    ["vars.REGOIN", [{ message: "variable 'REGOIN' is not declared", hint: "did you mean 'REGION'? declared variables: REGION" }]],
    ["git.ref", [{ message: "git has no property 'ref'", hint: "valid properties: branch, sha, tag" }]],
    ["git.branches", [{ message: "git has no property 'branches'", hint: "did you mean 'branch'? valid properties: branch, sha, tag" }]],
  ])("%s", (text, expected) => {
    expect(checkExpression(parse(text), scope)).toEqual(expected);
  });

  it("reports matrix use in a job without a matrix and undeclared vars with no vars", () => {
    expect(checkExpression(parse("matrix.os && vars.X"), { matrixKeys: [], needs: [], vars: [] })).toEqual([
      { message: "matrix.os is used but this job has no matrix" },
      { message: "variable 'X' is not declared", hint: "declare it under vars" },
    ]);
  });
});

describe("didYouMean", () => {
  it.each<[string, string[], string | undefined]>([
    ["biuld", ["build", "test"], "build"],
    ["tset", ["build", "test"], "test"],
    ["STARTSWITH", ["startsWith"], "startsWith"],
    ["deploy", ["build", "test"], undefined],
    ["a", ["b"], undefined],
    ["x", ["xy"], "xy"],
    ["integration-tests", ["integration-test", "integration-tests-e2e"], "integration-test"],
    ["lnt", [], undefined],
  ])("didYouMean(%j, %j) is %j", (name, candidates, expected) => {
    expect(didYouMean(name, candidates)).toBe(expected);
  });
});
