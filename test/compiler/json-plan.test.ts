/**
 * A JSON plan as pipec writes it is read with JSON.parse (compile.ts); the result must be the one the
 * YAML path gives, and whatever has something to say (an error, a warning, a duplicate key) must
 * still say it at the author's line.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { compileFile } from "../../compiler/compile.ts";
import { emitPlan } from "../../compiler/emit.ts";
import type { Plan } from "../../runtime/plan/schema.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pipec-json-plan-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function examplePlan(): Promise<Plan> {
  const { plan, diagnostics } = await compileFile("examples/yaml-pipeline.yaml", { typecheck: false, cacheDir: null });
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return plan!;
}

async function compileText(text: string, name = "plan.json") {
  const file = join(dir, name);
  writeFileSync(file, text);
  return compileFile(file, { typecheck: false, cacheDir: null });
}

describe("a JSON plan", () => {
  it("as pipec build writes it gives the plan the YAML path gives", async () => {
    const plan = await examplePlan();
    const text = emitPlan(plan, "json");
    const fast = await compileText(text);
    // The same text in a .yaml file is read by the YAML parser only.
    const slow = await compileText(text, "plan.yaml");
    expect(fast.diagnostics).toEqual([]);
    expect(fast.plan).toEqual(plan);
    expect(fast).toEqual(slow);
  });

  it("with a duplicate key is still refused at its line", async () => {
    const text = emitPlan(await examplePlan(), "json").replace('\n  "name": ', '\n  "name": "other",\n  "name": ');
    const { plan, diagnostics } = await compileText(text);
    expect(plan).toBeNull();
    expect(diagnostics.some((d) => d.severity === "error" && d.location !== null && d.location.line > 1)).toBe(true);
  });

  it("with a semantic error names the line of the job", async () => {
    const plan = await examplePlan();
    const [first] = Object.keys(plan.jobs);
    const broken = { ...plan, jobs: { ...plan.jobs, [first!]: { ...plan.jobs[first!]!, needs: ["ghost"] } } };
    const text = emitPlan(broken as Plan, "json");
    const { plan: result, diagnostics } = await compileText(text);
    expect(result).toBeNull();
    const unknown = diagnostics.find((d) => /ghost/.test(d.message));
    expect(unknown?.location?.line).toBeGreaterThan(1);
  });

  it("changed after it was built still warns at its digest's line", async () => {
    const plan = await examplePlan();
    const text = emitPlan({ ...plan, name: `${plan.name}-edited` }, "json");
    const { plan: result, diagnostics } = await compileText(text);
    expect(result?.name).toBe(`${plan.name}-edited`);
    const edited = diagnostics.find((d) => d.code === "plan-edited");
    expect(edited?.location?.line).toBe(text.split("\n").findIndex((line) => line.includes('"digest"')) + 1);
  });
});
