/** Every file in examples/ compiles cleanly: no errors, no warnings. */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileFile } from "../../compiler/index.ts";

const EXAMPLES = join(import.meta.dirname, "..", "..", "examples");
const files = readdirSync(EXAMPLES).filter((f) => /\.(pipeline\.ts|ya?ml)$/.test(f));

describe("examples", () => {
  it("has the examples the README promises", () => {
    expect(files).toEqual(expect.arrayContaining(["hello.pipeline.ts", "fan-out.pipeline.ts", "matrix.pipeline.ts", "deployments.pipeline.ts", "yaml-pipeline.yaml"]));
  });

  it.each(files)("%s compiles without problems", async (file) => {
    const result = await compileFile(join(EXAMPLES, file), { cacheDir: null });
    expect(result.diagnostics).toEqual([]);
    expect(Object.keys(result.plan!.jobs).length).toBeGreaterThan(0);
  });
});
