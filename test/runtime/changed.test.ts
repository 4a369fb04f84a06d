/** `changed(...)`: glob matching over a change set, and the skip reason that names the base and the patterns that matched nothing. */
import { describe, expect, it } from "vitest";
import { ExpressionError, evaluateExpression, matchesChange, parseExpression, type ChangeSet, type Expr, type ExpressionContext } from "../../runtime/plan/expression/index.ts";
import { changesDetail } from "../../runtime/scheduler/changes-reason.ts";

const parse = (text: string): Expr => {
  const result = parseExpression(text);
  if (!result.ok) throw new Error(result.message);
  return result.expr;
};
const changes: ChangeSet = { base: "main (merge base 1234567)", files: ["services/user/src/a.ts", ".github/workflows/ci.yml", "README.md"] };
const ctx: ExpressionContext = {
  env: {},
  vars: {},
  matrix: { service: "billing" },
  needs: {},
  git: { branch: "feature", sha: null, tag: null },
  pipeline: { name: "p" },
  run: { id: "r" },
  status: { anyFailed: false, cancelled: false },
  changes,
};

describe("matchesChange", () => {
  it.each([
    ["services/user/**", true],
    ["services/user", true],
    ["services/user/", true],
    ["./services/user/**", true],
    ["services/*/src/*.ts", true],
    ["services/billing/**", false],
    [".github/**", true],
    ["*.md", true],
    ["**/*.md", true],
    ["docs/**", false],
    ["services/{user,billing}/**", true],
  ])("%s -> %s", (pattern, expected) => {
    expect(matchesChange(changes, pattern)).toBe(expected);
  });

  it("matches everything when the changes are unknown", () => {
    expect(matchesChange({ base: "nothing", files: null }, "anything/**")).toBe(true);
  });
});

describe("changed() in expressions", () => {
  it("is true when any pattern matches, and reads matrix values through format()", () => {
    expect(evaluateExpression(parse("changed('docs/**', 'services/user/**')"), ctx)).toBe(true);
    expect(evaluateExpression(parse("changed(format('services/{0}/**', matrix.service))"), ctx)).toBe(false);
    expect(evaluateExpression(parse("changed(format('services/{0}/**', matrix.service))"), { ...ctx, matrix: { service: "user" } })).toBe(true);
  });

  it("is an expression error where the changes are not known (compile time)", () => {
    const { changes: _, ...noChanges } = ctx;
    expect(() => evaluateExpression(parse("changed('a')"), noChanges)).toThrow(ExpressionError);
  });
});

describe("changesDetail", () => {
  it("names the base and the patterns that matched nothing", () => {
    expect(changesDetail(parse("success() && changed(format('services/{0}/**', matrix.service), 'shared/**', 'README.md')"), ctx)).toBe(
      " (compared with main (merge base 1234567): no changed file matches 'services/billing/**', 'shared/**')",
    );
  });

  it("is empty for a condition without changed()", () => {
    expect(changesDetail(parse("git.branch == 'main'"), ctx)).toBe("");
  });

  it("names only the base when every pattern matched (the job was skipped for another reason)", () => {
    expect(changesDetail(parse("changed('README.md') && git.branch == 'main'"), ctx)).toBe(" (compared with main (merge base 1234567))");
  });
});
