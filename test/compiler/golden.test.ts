/**
 * Golden fixtures: each `test/fixtures/<case>/` holds one pipeline (`ci.pipeline.ts`, `pipeline.yaml`
 * or `plan.yaml`) and what it must compile to: `expected-plan.yaml` (byte for byte) or
 * `expected-diagnostics.json` (code, severity and location of every diagnostic, in order).
 * `PIPEC_UPDATE_GOLDEN=1 npx vitest run test/compiler/golden.test.ts` rewrites the expectations; review the diff.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileFile, emitPlan } from "../../compiler/index.ts";

const FIXTURES = join(import.meta.dirname, "..", "fixtures");
const INPUTS = ["ci.pipeline.ts", "pipeline.yaml", "plan.yaml"];
const update = process.env.PIPEC_UPDATE_GOLDEN === "1";

const cases = readdirSync(FIXTURES)
  .map((name) => ({ name, dir: join(FIXTURES, name) }))
  .filter(({ dir }) => existsSync(join(dir, "expected-plan.yaml")) || existsSync(join(dir, "expected-diagnostics.json")))
  .map((c) => ({ ...c, input: INPUTS.find((file) => existsSync(join(c.dir, file)))! }));

describe("golden fixtures", () => {
  it("finds fixtures", () => expect(cases.length).toBeGreaterThan(10));

  it.each(cases)("$name", async ({ dir, input }) => {
    const result = await compileFile(join(dir, input), { cacheDir: null });
    const planFile = join(dir, "expected-plan.yaml");
    const diagnosticsFile = join(dir, "expected-diagnostics.json");
    const actual = result.diagnostics.map(({ code, severity, location, message }) => ({ code, severity, location, message }));
    if (existsSync(diagnosticsFile) || actual.length > 0) {
      if (update) writeFileSync(diagnosticsFile, `${JSON.stringify(actual, null, 2)}\n`);
      expect(actual).toEqual(JSON.parse(readFileSync(diagnosticsFile, "utf8")));
    }
    if (existsSync(planFile)) {
      expect(result.plan).not.toBeNull();
      const text = emitPlan(result.plan!, "yaml");
      if (update) writeFileSync(planFile, text);
      expect(text).toBe(readFileSync(planFile, "utf8"));
    } else {
      expect(result.plan).toBeNull();
    }
  });
});
