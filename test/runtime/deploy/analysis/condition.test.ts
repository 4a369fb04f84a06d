import { describe, expect, it } from "vitest";
import { evaluateCondition } from "../../../../runtime/deploy/analysis/index.ts";

describe("evaluateCondition", () => {
  it.each([
    ["result >= 0.95", 0.99, true],
    ["result >= 0.95", 0.9, false],
    ["result < 0.01", 0.48, false],
    ["result == 0", 0, true],
    ["result == '0.5'", 0.5, true],
    ["result != 1", 2, true],
    ["result >= 0.95", "0.97", true],
    ["result[0] >= 0.95", [0.96, 0.1], true],
    ["result.p99 < 500 && result.errors == 0", { p99: 120, errors: 0 }, true],
    ["result.p99 < 500 && result.errors == 0", { p99: 120, errors: 2 }, false],
    ["result.status == 'ok' || result.degraded", { status: "down", degraded: true }, true],
    ["!(result > 1)", 0.5, true],
    ["result.missing > 1", { p99: 1 }, false],
    ["result > 1", null, false],
    ["result < 1", "abc", false],
    ["result == true", true, true],
    ["${{ result > 1 }}", 2, true],
  ])("%s with %j → %s", (text, result, matched) => {
    expect(evaluateCondition(text, result)).toEqual({ ok: true, matched });
  });

  it.each([
    ["result >=", /cannot parse condition "result >=": unexpected end of expression/],
    ["value > 1", /unknown name 'value'; a metric condition reads only 'result'/],
    ["len(result) > 0", /functions such as len\(\) are not available/],
    ["result = 1", /did you mean '=='/],
  ])("%s is reported, never read as false", (text, message) => {
    const outcome = evaluateCondition(text, 1);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.message).toMatch(message);
  });
});
