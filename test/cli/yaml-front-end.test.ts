/**
 * Issue 16, the YAML front end, through the real binary: the design document's per-step dialect, every
 * problem of every stage in one run, one code and the same words per mistake in both front ends,
 * merge keys and !!omap as YAML 1.1 reads them, and located errors for !!pairs and deep nesting.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noStackTrace, runPipec } from "./run-pipec.ts";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pipec-yaml-front-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string): string => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
interface Shown {
  code: string;
  severity: string;
  message: string;
  location: { line: number; column: number } | null;
}
const validateJson = (file: string, ...flags: string[]): { code: number | null; diagnostics: Shown[] } => {
  const result = runPipec(["validate", file, "--json", ...flags], { cwd: dir });
  noStackTrace(result.stderr);
  return { code: result.code, diagnostics: (JSON.parse(result.stdout) as { diagnostics: Shown[] }).diagnostics };
};
const where = (d: Shown) => `${d.location?.line}:${d.location?.column} ${d.code}`;

// The design document's model (seeds/003, "Pipeline Definition Model"): image, environment, timeout, retry_count per step.
const DESIGN_DOC = `name: design-doc
jobs:
  build:
    steps:
      - name: compile
        script: [make]
        image: gcc:13
        environment: { CC: gcc }
        timeout: 600
        retry_count: 2
      - name: test
        script: make test
        image: busybox:1.36
`;

describe("the design document's dialect", () => {
  it("builds a job whose steps each name an image, each step in its own image", () => {
    const file = write("design.yaml", DESIGN_DOC);
    const result = runPipec(["build", file, "-o", join(dir, "design.json"), "--format", "json"], { cwd: dir });
    expect(result.stderr).not.toMatch(/error/);
    expect(result.code).toBe(0);
    const plan = JSON.parse(readFileSync(join(dir, "design.json"), "utf8")) as { jobs: Record<string, { image: string | null; steps: { image: string; env: Record<string, string>; timeoutMs: number; retry: { max: number } | null }[] }> };
    const build = plan.jobs["build"]!;
    expect(build.image).toBeNull();
    expect(build.steps.map((s) => s.image)).toEqual(["gcc:13", "busybox:1.36"]);
    expect(build.steps[0]).toMatchObject({ env: { CC: "gcc" }, timeoutMs: 600_000, retry: { max: 2 } });
  });

  it("still says missing-image for a step without one, and does not hide a cycle in the same file", () => {
    const file = write("cycle.yaml", `${DESIGN_DOC}      - script: echo no image\n    depends_on: [deploy]\n  deploy:\n    depends_on: [build]\n    steps:\n      - script: echo hi\n        image: alpine:3\n`);
    const { code, diagnostics } = validateJson(file);
    expect(code).toBe(2);
    expect(diagnostics.map(where)).toEqual(["3:3 missing-image", "15:18 cycle"]);
  });
});

describe("one round of diagnostics", () => {
  it("reports schema errors and the graph, expression, variable, path and image checks together, each once, in source order", () => {
    const file = write(
      "many.yaml",
      `name: many
jobs:
  a:
    image: Busybox
    timeout: forever
    depends_on: [nope]
    conditional: "success( &&"
    artifacts: { out: ../escape }
    steps: ["echo \${{ vars.NOPE }}"]
  b:
    retry: -1
    steps: [echo b]
`,
    );
    const { code, diagnostics } = validateJson(file);
    expect(code).toBe(2);
    expect(diagnostics.map(where)).toEqual([
      "4:12 invalid-image",
      "5:14 schema",
      "6:18 unknown-need",
      "7:18 invalid-expression",
      "8:23 unsafe-path",
      "9:13 expression-in-script",
      "10:3 missing-image",
      "11:12 out-of-range",
    ]);
    expect(new Set(diagnostics.map((d) => JSON.stringify(d))).size).toBe(diagnostics.length);
  });

  it("a bad element of inputs or depends_on hides none of the list's other mistakes", () => {
    const file = write(
      "lists.yaml",
      `name: lists
image: busybox:1.36
jobs:
  build:
    steps: ["echo hi > a.txt"]
    artifacts: { dist: a.txt }
  use:
    depends_on: [build, 7, lint]
    steps: ["cat a.txt"]
    inputs: [build.nope, { form: build.dist }, build.dist, { from: build.gone, optional: "yes" }]
`,
    );
    const { code, diagnostics } = validateJson(file);
    expect(code).toBe(2);
    expect(diagnostics.map(where)).toEqual([
      "8:25 schema",
      "8:28 unknown-need",
      "10:14 unknown-output",
      "10:28 unknown-field",
      "10:68 unknown-output", // at the `from:` value, not the mapping's `{`
      "10:90 schema",
    ]);
  });

  it("gives the same code and words for the same mistakes in TypeScript and YAML", () => {
    const fixtures = join(import.meta.dirname, "..", "fixtures", "equivalent-mistakes");
    const ts = validateJson(join(fixtures, "ci.pipeline.ts"), "--no-typecheck");
    const yaml = validateJson(join(fixtures, "pipeline.yaml"));
    expect([ts.code, yaml.code]).toEqual([2, 2]);
    // Field names are the author's own in each front end; everything else must be the same.
    const inYamlWords = (message: string) => message.replace(": if:", ": conditional:").replace("outputs.dist.paths[0]", "artifacts.dist[0]");
    const shown = (list: Shown[]) => list.map((d) => `${d.code}: ${inYamlWords(d.message)}`);
    expect(shown(ts.diagnostics)).toEqual(shown(yaml.diagnostics));
    expect(new Set(yaml.diagnostics.map((d) => d.code))).toEqual(
      new Set(["invalid-image", "out-of-range", "schema", "missing-image", "invalid-expression", "expression-in-script", "unsafe-path"]),
    );
    expect(yaml.diagnostics).toHaveLength(9);
  }, 120_000);
});

describe("YAML the way the yaml package reads it", () => {
  it("reads nested merge keys and a list of merges, explicit keys first, then earlier sources", () => {
    const file = write(
      "merge.yaml",
      `x-base: &base
  image: busybox:1.36
  timeout: 10m
x-mid: &mid
  <<: *base
  retry: 1
x-other: &other
  environment: { A: "1" }
  image: alpine:3
name: m
jobs:
  a:
    <<: *mid
    steps: [echo a]
  b:
    <<: [*other, *mid]
    timeout: 5m
    steps: [echo b]
`,
    );
    const result = runPipec(["build", file, "-o", join(dir, "merge.json"), "--format", "json"], { cwd: dir });
    expect(result.stderr).not.toMatch(/error|plain string/);
    expect(result.code).toBe(0);
    const jobs = (JSON.parse(readFileSync(join(dir, "merge.json"), "utf8")) as { jobs: Record<string, { image: string; timeoutMs: number; retry: { max: number }; env: Record<string, unknown> }> }).jobs;
    expect(jobs["a"]).toMatchObject({ image: "busybox:1.36", timeoutMs: 600_000, retry: { max: 1 } });
    expect(jobs["b"]).toMatchObject({ image: "alpine:3", timeoutMs: 300_000, retry: { max: 1 }, env: { A: "1" } });
  });

  it("reads !!omap as a mapping and reports !!pairs where it is written", () => {
    const omap = write("omap.yaml", "name: o\nimage: busybox:1.36\njobs: !!omap\n  - a: { steps: [echo a] }\n  - b: { steps: [echo b] }\n");
    const built = runPipec(["build", omap, "-o", join(dir, "omap.json"), "--format", "json"], { cwd: dir });
    expect(built.code).toBe(0);
    expect(Object.keys((JSON.parse(readFileSync(join(dir, "omap.json"), "utf8")) as { jobs: object }).jobs)).toEqual(["a", "b"]);
    const pairs = write("pairs.yaml", "name: p\nimage: busybox:1.36\njobs:\n  a:\n    steps: !!pairs\n      - x: 1\n");
    const { code, diagnostics } = validateJson(pairs);
    expect(code).toBe(2);
    expect(diagnostics).toMatchObject([{ code: "schema", location: { line: 6, column: 7 }, message: expect.stringMatching(/!!pairs/) }]);
  });

  it("reports nesting past the limit at the bracket that passes it, exit 2, not a crash", () => {
    const file = write("deep.yaml", `name: p\njobs: ${"[".repeat(100_000)}\n`);
    const result = runPipec(["validate", file], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).not.toMatch(/internal error|Maximum call stack/);
    expect(result.stderr).toMatch(/deep\.yaml:2:263: error\[yaml-syntax\]: the document nests deeper than 256 levels/);
    const dashes = write("dashes.yaml", `${"- ".repeat(100_000)}x\n`);
    expect(runPipec(["validate", dashes], { cwd: dir }).stderr).toMatch(/nests deeper than 256 levels/);
  });
});
