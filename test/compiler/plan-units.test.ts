/** Plan numbers in the author's units: every text parses back to the same number. */
import { describe, expect, it } from "vitest";
import type { Draft } from "../../compiler/draft.ts";
import { labelPath } from "../../compiler/label.ts";
import { formatByteSize, formatInUnit, planUnitOf } from "../../compiler/plan-units.ts";
import { validateDraft } from "../../compiler/validate/index.ts";
import { parseDuration } from "../../runtime/plan/duration.ts";
import { parseByteSize } from "../../runtime/plan/size.ts";
import type { PlanInput } from "../../runtime/plan/schema.ts";

describe("formatInUnit", () => {
  it.each([
    [0, "0s"],
    [250, "250ms"],
    [1000, "1s"],
    [90_000, "1m30s"],
    [3_600_000, "1h"],
    [7 * 86_400_000, "7d"],
  ])("%i ms is %s", (ms, text) => {
    expect(formatInUnit(ms, "duration")).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    [0, "0"],
    [100, "100"],
    [1024, "1k"],
    [1536 * 1024, "1536k"],
    [512 * 1024 ** 2, "512m"],
    [2 * 1024 ** 3, "2g"],
    [4 * 1024 ** 2, "4m"],
  ])("%i bytes is %s", (bytes, text) => {
    expect(formatByteSize(bytes)).toBe(text);
    expect(parseByteSize(text)).toBe(bytes);
  });

  it("leaves what is not a whole amount as it is", () => {
    expect(formatInUnit(1.5, "duration")).toBe("1.5");
    expect(formatInUnit(-1, "size")).toBe("-1");
  });

  it.each([
    [["jobs", "a", "timeoutMs"], "duration"],
    [["jobs", "a", "retry", "backoff", "maxMs"], "duration"],
    [["jobs", "a", "resources", "memoryBytes"], "size"],
    [["jobs", "a", "retry", "max"], null],
    [["jobs", "a", "steps", 0], null],
  ] as const)("%j is a %s", (path, unit) => expect(planUnitOf(path)).toBe(unit));
});

describe("range messages", () => {
  const plan = { name: "p", jobs: { a: { name: "a", image: "alpine", steps: [{ name: "s", run: "true" }], timeoutMs: 0, resources: { memoryBytes: 1024 * 1024 } } } } as PlanInput;
  const messages = (draft: Draft) => validateDraft(draft).diagnostics.map((d) => d.message).sort();
  const locate = () => null;

  it("speak the author's units when the field has the author's name", () => {
    const authorWords = (path: readonly (string | number)[]) => labelPath(plan, path, (_, field) => field.map((s) => (s === "timeoutMs" ? "timeout" : s === "memoryBytes" ? "memory" : s)));
    expect(messages({ plan, locate, label: authorWords })).toEqual(['job "a": resources.memory: must be at least 4m, got 1m', 'job "a": timeout: must be at least 1s, got 0s']);
  });

  it("keep the plan's units for a plan file, where the author wrote them", () => {
    expect(messages({ plan, locate })).toEqual(['job "a": resources.memoryBytes: must be at least 4194304, got 1048576', 'job "a": timeoutMs: must be at least 1000, got 0']);
  });
});
