/**
 * The diagnostics benchmark's file (bench/error-yaml.ts), small: `pipec validate --json` through the real
 * binary must print exactly the stored list (every diagnostic, in order, with its code, words, location and
 * hint), so that making the diagnostics row faster cannot drop, add, reorder or reword one.
 * `PIPEC_UPDATE_PINNED=1 npx vitest run test/cli/bench-errors-pinned.test.ts` rewrites it; review the diff.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { renderErrorYaml } from "../../bench/error-yaml.ts";
import { noStackTrace, runPipec } from "./run-pipec.ts";

const EXPECTED = join(import.meta.dirname, "..", "fixtures", "bench-errors", "expected-validate.json");

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pipec-bench-errors-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("validate --json of a 40-error benchmark file prints the pinned diagnostics, every one, in order", () => {
  writeFileSync(join(dir, "errors.yaml"), renderErrorYaml(40, 2_800));
  const result = runPipec(["validate", "errors.yaml", "--json"], { cwd: dir });
  noStackTrace(result.stderr);
  expect(result.code).toBe(2);
  const shown = JSON.parse(result.stdout) as { ok: boolean; diagnostics: { severity: string }[] };
  if (process.env["PIPEC_UPDATE_PINNED"] === "1") writeFileSync(EXPECTED, result.stdout);
  expect(shown.diagnostics.filter((d) => d.severity === "error")).toHaveLength(40);
  expect(result.stdout).toBe(readFileSync(EXPECTED, "utf8"));
});
