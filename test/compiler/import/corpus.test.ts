/**
 * `pipec import` over the vendored public corpora (test/fixtures/import/<corpus>/cases, with their
 * licences and SOURCE notes): every file either imports or fails with located errors, never a crash;
 * every import compiles to a plan and type-checks (all in one TypeScript program, for speed), and its
 * --format yaml twin builds too. The
 * shares imported are measured here and must match the README's table.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileFile } from "../../../compiler/index.ts";
import { importFile, type ImportSource } from "../../../compiler/import/index.ts";
import { buildInProcess } from "./build-in-process.ts";
import { typecheckMany } from "./typecheck-many.ts";

const FIXTURES = join(import.meta.dirname, "..", "..", "fixtures", "import");
const README = join(import.meta.dirname, "..", "..", "..", "README.md");
const CORPORA: readonly { name: string; from: ImportSource }[] = [
  { name: "gitlab-ci-local", from: "gitlab" },
  { name: "gitlab-templates", from: "gitlab" },
  { name: "act", from: "github" },
  { name: "starter-workflows", from: "github" },
];

const walk = (dir: string): string[] => readdirSync(dir).sort().flatMap((name) => {
  const path = join(dir, name);
  return statSync(path).isDirectory() ? walk(path) : /\.ya?ml$/.test(name) ? [path] : [];
});

const out = mkdtempSync(join(tmpdir(), "pipec-import-corpus-"));
// Generated pipelines import "pipec" (vitest's alias to dsl/) wherever they are.
afterAll(() => rmSync(out, { recursive: true, force: true }));

interface Row {
  files: number;
  imported: number;
  withoutTodos: number;
}
const measured = new Map<string, Row>();

describe.each(CORPORA)("corpus $name", ({ name, from }) => {
  it("imports every file or says where it cannot; every import builds and type-checks", async () => {
    const files = walk(join(FIXTURES, name, "cases"));
    expect(files.length).toBeGreaterThan(0);
    const generated: { source: string; file: string }[] = [];
    const yamlFiles: { source: string; file: string }[] = [];
    let withoutTodos = 0;
    for (const [index, source] of files.entries()) {
      const result = importFile(source, { from });
      if (result.text === null) {
        const errors = result.diagnostics.filter((d) => d.severity === "error");
        expect(errors.length, relative(FIXTURES, source)).toBeGreaterThan(0);
        for (const e of errors) expect(e.location, `${relative(FIXTURES, source)}: ${e.message}`).not.toBeNull();
        continue;
      }
      if (result.todos.length === 0) withoutTodos++;
      const file = join(out, `${name}-${index}.pipeline.ts`);
      writeFileSync(file, result.text);
      generated.push({ source, file });
      // The same import in pipec's YAML dialect builds too.
      const yamlFile = join(out, `${name}-${index}.pipeline.yaml`);
      writeFileSync(yamlFile, importFile(source, { from, format: "yaml" }).text!);
      yamlFiles.push({ source, file: yamlFile });
    }
    const problems: string[] = [];
    for (const { source, file } of generated) {
      const built = await buildInProcess(file);
      if (!built.plan) problems.push(`${relative(FIXTURES, source)}: ${built.errors.map((e) => `${e.location?.line}: ${e.message}`).join("; ")}`);
    }
    for (const { source, file } of yamlFiles) {
      const built = await compileFile(file, { cacheDir: null });
      if (!built.plan) problems.push(`${relative(FIXTURES, source)} (--format yaml): ${built.diagnostics.filter((d) => d.severity === "error").map((e) => `${e.location?.line}: ${e.message}`).join("; ")}`);
    }
    // The first import of each corpus also goes through pipec build's own entry (worker, esbuild).
    if (generated[0]) {
      const built = await compileFile(generated[0].file, { typecheck: false, cacheDir: null });
      expect(built.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    }
    const typed = typecheckMany(generated.map((g) => g.file));
    for (const { source, file } of generated) {
      const errors = typed.get(file);
      if (errors) problems.push(`${relative(FIXTURES, source)}: ${errors.join("; ")}`);
    }
    expect(problems).toEqual([]);
    measured.set(name, { files: files.length, imported: generated.length, withoutTodos });
  }, 600_000);
});

describe("README", () => {
  it("states the shares measured above", () => {
    const readme = readFileSync(README, "utf8");
    const percent = (n: number, of: number) => `${Math.round((100 * n) / of)}%`;
    expect(measured.size).toBe(CORPORA.length);
    const rows = [...measured].map(([name, row]) => `| ${name} | ${row.files} | ${row.imported} (${percent(row.imported, row.files)}) | ${row.withoutTodos} (${percent(row.withoutTodos, row.files)}) |`);
    const missing = rows.filter((row) => !readme.includes(row));
    expect(missing, "README's import table differs from the measurement: put these rows in").toEqual([]);
  });
});
