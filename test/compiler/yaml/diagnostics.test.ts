import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DiagnosticSchema } from "../../../compiler/diagnostic.ts";
import { loadYamlPipeline } from "../../../compiler/yaml/index.ts";
import { at, diagnose, FILE, positions } from "./helpers.ts";

const job = (body: string) => `name: p\nimage: x\njobs:\n  a:\n${body}`;

describe("diagnostics", () => {
  it.each([
    ["an unclosed flow list", "name: p\njobs: [1, 2\n", "yaml-syntax", 3, 1, "Flow sequence in block collection must be sufficiently indented and end with a ]"],
    ["a tab used for indentation", "name: p\njobs:\n\ta: 1\n", "yaml-syntax", 3, 1, "Tabs are not allowed as indentation"],
    ["a second document", "name: p\njobs: {}\n---\nname: q\n", "yaml-syntax", 3, 1, "Source contains multiple documents; please use YAML.parseAllDocuments()"],
    ["an alias without its anchor", "name: p\njobs: *nope\n", "yaml-syntax", 2, 7, "alias *nope refers to no anchor &nope defined before it"],
    ["a duplicate key, at the second one", job("    steps: [x]\n    steps: [y]\n"), "yaml-duplicate-key", 6, 5, 'duplicate key "steps": it is already set on line 5'],
    ["a non-string key", "? [a, b]\n: 1\nname: p\njobs: {}\n", "schema", 1, 3, "a mapping key must be a plain string"],
    ["an empty file", "", "schema", 1, 1, "expected a mapping with name and jobs at the top of the file, got an empty value"],
    ["a list at the top", "- name: p\n", "schema", 1, 1, "expected a mapping with name and jobs at the top of the file, got a list"],
    ["a missing name", "jobs: {}\n", "schema", 1, 1, 'pipeline: missing required field "name" (a string)'],
    ["a missing step script", job("    steps:\n      - name: x\n"), "schema", 6, 9, 'job "a": step 1 ("x"): missing required field "script" (a script: a string or a list of lines)'],
    ["a wrong type", job("    steps: [x]\n    allow_failure: maybe\n"), "schema", 6, 20, 'job "a": allow_failure: expected true or false, got "maybe"'],
    ["a bad step timeout", job("    steps:\n      - script: x\n        timeout: true\n"), "schema", 7, 18, 'job "a": step 1: timeout: true is not a duration; write seconds as a number or text like "90s", "10m", "1h30m"'],
    ["a negative job timeout", job("    steps: [x]\n    timeout: -30\n"), "schema", 6, 14, 'job "a": timeout: -30 is not a duration; write seconds as a number or text like "90s", "10m", "1h30m"'],
    ["a fractional retry count", job("    steps:\n      - script: x\n        retry_count: 1.5\n"), "schema", 7, 22, 'job "a": step 1: retry_count: expected a whole number, got 1.5'],
    ["an unknown enum value", job("    steps: [x]\n    retry: { when: [timeot] }\n"), "schema", 6, 21, 'job "a": retry.when[0]: expected one of "exit-code", "timeout", "infrastructure", got "timeot"; did you mean "timeout"?'],
    ["a bad input reference", job("    steps: [x]\n    inputs: [build]\n"), "schema", 6, 14, 'job "a": inputs[0]: an input is written job.output, like "build.dist", got "build"'],
    ["an invalid job id", "name: p\nimage: x\njobs:\n  -lint: { steps: [x] }\n", "schema", 4, 3, `pipeline: jobs: "-lint" is not an allowed name: a job id uses letters, digits, '_', '.' and '-'`],
    ["an unknown job field", job("    steps: [x]\n    depends_no: [b]\n"), "unknown-field", 6, 5, 'job "a": unknown field "depends_no"; did you mean "depends_on"?'],
    ["GitLab's name for depends_on", job("    steps: [x]\n    needs: [b]\n"), "unknown-field", 6, 5, 'job "a": unknown field "needs"; pipec calls it "depends_on"'],
    ["an unknown field with no near match", job("    steps: [x]\n    colour: red\n"), "unknown-field", 6, 5, 'job "a": unknown field "colour"'],
    ["an unknown top-level field", "name: p\njob: {}\n", "unknown-field", 2, 1, 'unknown top-level field "job"; did you mean "jobs"?'],
    ["a job without an image", "name: p\njobs:\n  a: { steps: [x] }\n", "missing-image", 3, 3, 'job "a" has no image to run in'],
    ["a wrong apiVersion", "apiVersion: pipec/v0\nname: p\n", "schema", 1, 13, 'apiVersion: expected "pipec/v1", got "pipec/v0"'],
  ])("reports %s", (_, text, code, line, column, message) => {
    const { plan, diagnostics } = diagnose(text);
    expect(plan).toBeNull();
    expect(diagnostics[0]).toMatchObject({ code, severity: "error", location: at(line, column), message });
  });

  it("names the known fields in the hint of an unknown field", () => {
    const { diagnostics } = loadYamlPipeline(job("    steps: [x]\n    colour: red\n"), FILE);
    expect(diagnostics[0]?.hint).toBe(
      "known fields: steps, depends_on, image, environment, conditional, artifacts, inputs, timeout, retry, allow_failure, working_directory, services, cache, cache_key, resources, network, user, matrix, secrets, reports, gates, approval, changes",
    );
  });

  it("a deploy field on a YAML job says where deployments are written", () => {
    const { diagnostics } = loadYamlPipeline(job("    steps: [x]\n    deploy: { strategy: canary }\n"), FILE);
    expect(diagnostics[0]).toMatchObject({ code: "unknown-field", message: 'job "a": unknown field "deploy"', hint: expect.stringMatching(/^deployments are written in TypeScript \(deploy\.canary\(\)/) });
  });

  it("reports a mistyped field once, as unknown, not also as missing", () => {
    const { diagnostics } = loadYamlPipeline(job("    steps:\n      - scrpit: x\n"), FILE);
    expect(positions(diagnostics)).toEqual(["6:9 unknown-field"]);
  });

  it("keeps a YAML warning as a warning and still builds", () => {
    const { draft, diagnostics } = loadYamlPipeline("name: !custom p\nimage: x\njobs:\n  a: { steps: [x] }\n", FILE);
    expect(draft?.plan.name).toBe("p");
    expect(diagnostics).toMatchObject([{ code: "yaml-syntax", severity: "warning", location: at(1, 7) }]);
  });

  it("reports every problem of a file in one run, sorted by position", () => {
    const dir = "test/fixtures/yaml-many-errors";
    const { plan, diagnostics } = diagnose(readFileSync(`${dir}/pipeline.yaml`, "utf8"));
    expect(plan).toBeNull();
    // The same file as the golden suite checks through compileFile: code, severity, location and message.
    const actual = diagnostics.map(({ code, severity, location, message }) => ({ code, severity, location, message }));
    expect(actual).toEqual(JSON.parse(readFileSync(`${dir}/expected-diagnostics.json`, "utf8")));
    expect(diagnostics.length).toBeGreaterThanOrEqual(10);
  });

  it("reports problems found while mapping alongside a duplicate key", () => {
    const { diagnostics } = diagnose("name: p\nname: q\njobs:\n  a: { steps: [x] }\n");
    expect(positions(diagnostics)).toEqual(["2:1 yaml-duplicate-key", "4:3 missing-image"]);
  });

  it("reports all syntax errors, not just the first", () => {
    const { diagnostics } = loadYamlPipeline("name: p\nb: : :\njobs: [1\n", FILE);
    expect(diagnostics.length).toBeGreaterThan(1);
    expect(new Set(diagnostics.map((d) => d.code))).toEqual(new Set(["yaml-syntax"]));
  });

  it.each([
    ["binary noise", "\u0000\u0001\u0002: \u00ff\n\t- ]["],
    ["only a comment", "# nothing here\n"],
    ["a scalar", "42"],
    ["jobs as a string", "name: p\njobs: none\n"],
    ["a job as a list", "name: p\njobs:\n  a: [1, 2]\n"],
    ["null everywhere", "name:\njobs:\n  a:\n    steps:\n      -\n"],
    ["deep nesting", `${"[".repeat(500)}${"]".repeat(500)}`],
    ["an alias cycle through a merge", "a: &a\n  <<: *a\nname: p\njobs: {}\n"],
    ["a number as a job key", "name: p\nimage: x\njobs:\n  1: { steps: [x] }\n"],
    ["a prototype key", "name: p\nimage: x\nglobal_env: { __proto__: x }\njobs:\n  a: { steps: [x] }\n"],
  ])("never throws, and reports well-formed diagnostics, on %s", (_, text) => {
    const result = diagnose(text);
    for (const diagnostic of result.diagnostics) expect(DiagnosticSchema.safeParse(diagnostic).success).toBe(true);
    expect(result.plan === null).toBe(result.diagnostics.some((d) => d.severity === "error"));
  });
});
