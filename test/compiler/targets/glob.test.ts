/**
 * The packing script selects files with `find | grep -E` over the regexes of globToEre: on a real
 * tree, the selection must be exactly what pipec's own output matcher (tinyglobby) takes.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { globToEre } from "../../../compiler/targets/common/glob.ts";
import { matchOutput } from "../../../runtime/artifacts/match-outputs.ts";
import { shellQuote } from "../../../compiler/targets/common/shell.ts";

const root = mkdtempSync(join(tmpdir(), "pipec-glob-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
for (const file of ["dist/app.js", "dist/app.js.map", "dist/sub/deep/x.map", "dist/.hidden", "dist/sub/a.d.ts", "types/a.d.ts", "types/x/y/b.d.ts", "types/readme.md", "reports/unit.xml", "reports/e2e.xml", "a.txt", "b.txt", "c[1].txt", "my dir/file one.txt"]) {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), file);
}
symlinkSync("app.js", join(root, "dist", "link"));

function viaShell(patterns: readonly string[], exclude: readonly string[]): string[] {
  const filters = patterns.map((p) => [`grep -E ${shellQuote(globToEre(p)!)} all.list`, ...exclude.map((e) => `grep -v -E ${shellQuote(globToEre(e)!)}`)].join(" | "));
  const script = `find . \\( -type f -o -type l \\) -print | sed 's|^\\./||' | grep -v '^all.list$' | LC_ALL=C sort > all.list\n{ ${filters.map((f) => `${f} || true;`).join(" ")} } | LC_ALL=C sort -u\nrm all.list`;
  const result = spawnSync("sh", ["-e", "-c", script], { cwd: root, encoding: "utf8" });
  expect(result.stderr).toBe("");
  return result.stdout.split("\n").filter(Boolean);
}

const cases: [string[], string[]][] = [
  [["dist/**"], ["dist/**/*.map"]],
  [["dist"], []],
  [["dist/"], ["**/*.map"]],
  [["types/**/*.d.ts"], []],
  [["**/*.d.ts"], ["types/x/**"]],
  [["reports/*.xml"], ["reports/e2e.xml"]],
  [["*.txt"], []],
  [["?.txt", "reports/{unit,e2e}.xml"], []],
  [["[ab].txt"], []],
  [["my dir/file one.txt"], []],
  [["dist/*"], []],
];

describe("output patterns in generated scripts", () => {
  it.each(cases)("%j minus %j", async (patterns, exclude) => {
    const expected = await matchOutput(root, patterns, exclude);
    expect(viaShell(patterns, exclude)).toEqual([...expected.paths]);
  });

  it("refuses what it cannot express", () => {
    expect(globToEre("a**b")).toBeNull();
    expect(globToEre("a\\*b")).toBeNull();
    expect(globToEre("{a,b")).toBeNull();
  });
});
