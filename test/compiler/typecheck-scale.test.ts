/**
 * One literal `jobs: [j0, j1, ...]` list of more jobs than TypeScript can reduce to a union (TS2590
 * past about 1,100 when `jobs` was typed `readonly AnyJob[]`) type-checks and compiles.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { generateDag, renderTs } from "../../bench/generate.ts";
import { compileFile } from "../../compiler/index.ts";

const dir = mkdtempSync(join(tmpdir(), "pipec-typecheck-scale-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("type-checks one literal list of 1,500 jobs", async () => {
  const file = join(dir, "ci.pipeline.ts");
  writeFileSync(file, renderTs(generateDag(1500, 3)));
  const result = await compileFile(file, { cacheDir: null });
  expect(result.diagnostics).toEqual([]);
  expect(Object.keys(result.plan?.jobs ?? {})).toHaveLength(1500);
}, 120_000);
