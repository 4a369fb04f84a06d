/** Every plan field is in every target's feature registry, so no emitter can ignore a new field silently. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { coverageMarkdown, planFields, TARGET_NAMES, TARGETS } from "../../../compiler/targets/index.ts";

describe("target feature registries", () => {
  it("list the plan's fields", () => {
    expect(planFields()).toEqual(expect.arrayContaining(["plan.env", "job.retry", "step.continueOnFailure", "output.exclude", "retry.backoff"]));
  });

  it.each([...TARGET_NAMES])("%s covers every plan field, and nothing else", (name) => {
    const features = Object.keys(TARGETS[name].features);
    expect(planFields().filter((field) => !features.includes(field))).toEqual([]);
    expect(features.filter((field) => !planFields().includes(field))).toEqual([]);
  });

  it.each([...TARGET_NAMES])("%s says how, for every field", (name) => {
    for (const [field, support] of Object.entries(TARGETS[name].features)) {
      expect(["exact", "lowered", "approximated", "refused"], field).toContain(support.coverage);
      expect(support.note.length, field).toBeGreaterThan(3);
    }
  });
});

describe("the README's coverage table", () => {
  it("is the one the registries give (regenerate with pipec targets --markdown)", () => {
    const readme = readFileSync(join(import.meta.dirname, "..", "..", "..", "README.md"), "utf8");
    const start = readme.indexOf("\n", readme.indexOf("<!-- targets-table:start")) + 1;
    const end = readme.indexOf("<!-- targets-table:end -->");
    expect(readme.slice(start, end)).toBe(coverageMarkdown(TARGETS));
  });
});
