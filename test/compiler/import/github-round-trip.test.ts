/**
 * Round trip on the supported subset: a GitHub workflow, imported, built to a plan and emitted back
 * with `--target github`, says the same as the original. Both sides are brought to one normal form
 * (github-normal-form.ts) whose rules are listed there, each with its reason; a rule that evens out
 * a real difference is allowed only where the import says so itself, and the test checks that it
 * does (`expectSaid`).
 *
 * The subset: every workflow of the act and starter-workflows corpora that imports without a TODO
 * and uses only what the normal form compares (`outsideSubset` names the reason for every other
 * file). Its size is measured here and stated in the README.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { importFile } from "../../../compiler/import/index.ts";
import { emitTarget, TargetProfileSchema } from "../../../compiler/targets/index.ts";
import { buildInProcess } from "./build-in-process.ts";
import { normaliseEmitted, normaliseOriginal, outsideSubset, SAID } from "./github-normal-form.ts";

const FIXTURES = join(import.meta.dirname, "..", "..", "fixtures", "import");
const README = join(import.meta.dirname, "..", "..", "..", "README.md");
const CORPORA = ["act", "starter-workflows"];
const IMAGE = "ubuntu:24.04";

const walk = (dir: string): string[] => readdirSync(dir).sort().flatMap((name) => {
  const path = join(dir, name);
  return statSync(path).isDirectory() ? walk(path) : /\.ya?ml$/.test(name) ? [path] : [];
});

const files = CORPORA.flatMap((corpus) => walk(join(FIXTURES, corpus, "cases")));
const subset: string[] = [];
const excluded = new Map<string, string[]>();
for (const file of files) {
  const imported = importFile(file, { from: "github" });
  const reason = imported.text === null ? "the import fails (located errors)" : imported.todos.length > 0 ? "the import left TODOs" : outsideSubset(readFileSync(file, "utf8"));
  if (reason === null) subset.push(relative(FIXTURES, file));
  else excluded.set(reason, [...(excluded.get(reason) ?? []), relative(FIXTURES, file)]);
}

const out = mkdtempSync(join(tmpdir(), "pipec-import-github-round-trip-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("GitHub round trip: import -> build -> --target github equals the original", () => {
  it.each(subset)("%s", async (path) => {
    const source = join(FIXTURES, path);
    const imported = importFile(source, { from: "github", defaultImage: IMAGE });
    const file = join(out, `${path.replace(/[^A-Za-z0-9]+/g, "-")}.pipeline.ts`);
    writeFileSync(file, imported.text!);
    const built = await buildInProcess(file);
    expect(built.errors).toEqual([]);
    const emitted = emitTarget(built.plan!, "github", { profile: TargetProfileSchema.parse({}), pipecVersion: "0.0.0", strict: false });
    expect(emitted.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(emitted.files).toHaveLength(1);
    const original = normaliseOriginal(readFileSync(source, "utf8"), IMAGE);
    expect(normaliseEmitted(emitted.files[0]!.content)).toEqual(original.form);
    // Every rule that evened out a difference is one the import reports.
    const messages = imported.diagnostics.map((d) => d.message);
    for (const said of original.used) expect(messages.some((m) => SAID[said].test(m)), `the import says: ${said}`).toBe(true);
  });
});

describe("the subset", () => {
  it("is stated in the README, with why the other files are out", () => {
    const reasons = [...excluded].map(([reason, list]) => `${reason}: ${list.length}`).sort();
    const readme = readFileSync(README, "utf8").replace(/\s+/g, " ");
    expect(subset.length).toBeGreaterThan(0);
    const line = `GitHub round trip (\`github-round-trip.test.ts\`) on ${subset.length} of the ${files.length} act and starter-workflows files`;
    expect(readme.includes(line), `README should say: ${line}\n(out of the subset: ${reasons.join("; ")})`).toBe(true);
  });
});

