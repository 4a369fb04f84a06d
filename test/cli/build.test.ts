/** End to end: the real `pipec` binary on temporary projects. */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { noStackTrace, runPipec, useExamplesCopy } from "./run-pipec.ts";

const EXAMPLES = join(import.meta.dirname, "..", "..", "examples");
const examplesCopy = useExamplesCopy("pipec-cli-");

describe("pipec build", () => {
  it("prints the canonical YAML plan to stdout", () => {
    const result = runPipec(["build", "hello.pipeline.ts"], { cwd: examplesCopy() });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^apiVersion: pipec\/v1\ndigest: sha256:[0-9a-f]{64}\n/);
    expect(result.stdout).toContain("run: echo \"hello from pipec on $(uname -m)\"");
  });

  it("gives byte-identical plans whatever the working directory, with no machine paths", () => {
    const inside = runPipec(["build", "fan-out.pipeline.ts", "--format", "json"], { cwd: examplesCopy() });
    const outside = runPipec(["build", join(examplesCopy(), "fan-out.pipeline.ts"), "--format", "json"], { cwd: tmpdir() });
    expect(inside.code).toBe(0);
    expect(outside.stdout).toBe(inside.stdout);
    expect(inside.stdout).not.toContain(examplesCopy());
    expect(inside.stdout).not.toContain(tmpdir());
  });

  it("writes -o atomically and --check tells fresh from stale", () => {
    const out = join(examplesCopy(), "plan.json");
    expect(runPipec(["build", "hello.pipeline.ts", "-o", out], { cwd: examplesCopy() }).code).toBe(0);
    expect(JSON.parse(readFileSync(out, "utf8")).name).toBe("hello");
    expect(runPipec(["build", "hello.pipeline.ts", "-o", out, "--check"], { cwd: examplesCopy() }).code).toBe(0);
    writeFileSync(out, readFileSync(out, "utf8").replace("hello from pipec", "hello from a stale plan"));
    const stale = runPipec(["build", "hello.pipeline.ts", "-o", out, "--check"], { cwd: examplesCopy() });
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain("plan.json is stale: run pipec build hello.pipeline.ts -o");
    expect(runPipec(["build", "hello.pipeline.ts", "-o", join(examplesCopy(), "missing.json"), "--check"], { cwd: examplesCopy() }).code).toBe(1);
  });

  it("builds a plan file back into the same plan", () => {
    const first = runPipec(["build", "yaml-pipeline.yaml", "-o", "plan.yaml"], { cwd: examplesCopy() });
    expect(first.code).toBe(0);
    const again = runPipec(["build", "plan.yaml"], { cwd: examplesCopy() });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(readFileSync(join(examplesCopy(), "plan.yaml"), "utf8"));
  });

  it("reports every problem with file:line:col and a code frame, exit 2, no stack trace", () => {
    writeFileSync(
      join(examplesCopy(), "broken.pipeline.ts"),
      ['import { job, pipeline } from "pipec";', 'const a = job("a", { image: "Alpine", steps: ["true"], timeout: "0s" });', 'export default pipeline("broken", { jobs: [a] });', ""].join("\n"),
    );
    const result = runPipec(["build", "broken.pipeline.ts"], { cwd: examplesCopy() });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain('broken.pipeline.ts:2:22: error[invalid-image]: job "a": image: "Alpine" is not a valid image reference');
    expect(result.stderr).toContain("> 2 | const a = job(");
    expect(result.stderr).toContain('error[out-of-range]: job "a": timeout: must be at least 1s, got 0s');
    expect(result.stderr).toMatch(/2 errors$/m);
    noStackTrace(result.stderr);
  });

  it("names each field as the author wrote it, in one style", () => {
    writeFileSync(
      join(examplesCopy(), "labels.pipeline.ts"),
      [
        'import { job, pipeline, step } from "pipec";',
        "const build = job(\"build\", {",
        '  image: "node:22",',
        "  retry: 99,",
        '  timeout: "10 parsecs",',
        '  steps: [step("install", "npm ci"), step({ name: "test", run: "npm test", env: { FOO: "${NOPE}" } })],',
        "});",
        'export default pipeline("labels", { jobs: [build] });',
        "",
      ].join("\n"),
    );
    const result = runPipec(["build", "labels.pipeline.ts"], { cwd: examplesCopy() });
    expect(result.code).toBe(2);
    const lines = result.stderr.split("\n").filter((line) => line.startsWith("labels.pipeline.ts:"));
    expect(lines).toEqual([
      'labels.pipeline.ts:4:3: error[out-of-range]: job "build": retry: must be at most 10, got 99',
      'labels.pipeline.ts:5:3: error[schema]: job "build": timeout: "10 parsecs" is not a duration; write seconds as a number or text like "90s", "10m", "1h30m"',
      'labels.pipeline.ts:6:83: error[unknown-variable]: job "build": step 2 ("test"): env.FOO: ${NOPE} is not defined. Did you mean ${HOME}?',
    ]);
    noStackTrace(result.stderr);
  });

  it("answers a missing file, an unknown extension and a bad flag with exit 2", () => {
    const missing = runPipec(["build", "nope.pipeline.ts"], { cwd: examplesCopy() });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("nope.pipeline.ts does not exist");
    const extension = runPipec(["build", "README.md"], { cwd: examplesCopy() });
    expect(extension.code).toBe(2);
    expect(extension.stderr).toContain('not ".md"');
    const flag = runPipec(["build", "hello.pipeline.ts", "--fromat", "json"], { cwd: examplesCopy() });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("unknown option '--fromat'");
    const format = runPipec(["build", "hello.pipeline.ts", "--format", "toml"], { cwd: examplesCopy() });
    expect(format.code).toBe(2);
    expect(format.stderr).toContain("Allowed choices are yaml, json");
    for (const result of [missing, extension, flag, format]) noStackTrace(result.stderr);
  });

  it("reuses the type-check result of an unchanged file", () => {
    const cache = mkdtempSync(join(tmpdir(), "pipec-cache-"));
    cpSync(join(EXAMPLES, "matrix.pipeline.ts"), join(cache, "ci.pipeline.ts"));
    const cold = runPipec(["build", "ci.pipeline.ts"], { cwd: cache });
    const warm = runPipec(["build", "ci.pipeline.ts"], { cwd: cache });
    expect(cold.code).toBe(0);
    expect(warm.stdout).toBe(cold.stdout);
    expect(readFileSync(join(cache, "ci.pipeline.ts"), "utf8")).toContain("matrix");
    writeFileSync(join(cache, "ci.pipeline.ts"), readFileSync(join(cache, "ci.pipeline.ts"), "utf8").replace('image: "busybox:1.36"', 'image: "busybox:1.36", imag: "typo"'));
    const changed = runPipec(["build", "ci.pipeline.ts"], { cwd: cache });
    expect(changed.code).toBe(2);
    expect(changed.stderr).toContain("error[typescript]");
    rmSync(cache, { recursive: true, force: true });
  });
});

describe("pipec validate, graph, schema", () => {
  it("validate --json prints diagnostics as data", () => {
    const result = runPipec(["validate", "--json", "fan-out.pipeline.ts"], { cwd: examplesCopy() });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ ok: true, diagnostics: [] });
  });

  it("graph renders the DAG as Mermaid and DOT", () => {
    const mermaid = runPipec(["graph", "fan-out.pipeline.ts"], { cwd: examplesCopy() });
    expect(mermaid.stdout).toContain("flowchart LR");
    expect(mermaid.stdout).toContain('["ship (canary)"]');
    const dot = runPipec(["graph", "fan-out.pipeline.ts", "--format", "dot"], { cwd: examplesCopy() });
    expect(dot.stdout).toContain('"build" -> "unit";');
  });

  it("schema prints JSON Schemas generated from the zod schemas", () => {
    const pipelineSchema = JSON.parse(runPipec(["schema"]).stdout);
    expect(pipelineSchema.properties.jobs).toBeDefined();
    const planSchema = JSON.parse(runPipec(["schema", "--kind", "plan"]).stdout);
    expect(planSchema.properties.apiVersion).toBeDefined();
  });
});

describe("pipec build on something that is not a pipeline file", () => {
  it("a folder: says so and lists the pipeline files in it, exit 2", () => {
    mkdirSync(join(examplesCopy(), "pipelines.yaml"));
    writeFileSync(join(examplesCopy(), "pipelines.yaml", "ci.pipeline.ts"), "");
    writeFileSync(join(examplesCopy(), "pipelines.yaml", "deploy.yml"), "");
    writeFileSync(join(examplesCopy(), "pipelines.yaml", "notes.txt"), "");
    const listed = runPipec(["build", "pipelines.yaml"], { cwd: examplesCopy() });
    expect(listed.code).toBe(2);
    expect(listed.stderr).toBe("error[load-failed]: pipelines.yaml is a directory\n  hint: pass the pipeline file, not the folder; it holds pipelines.yaml/ci.pipeline.ts, pipelines.yaml/deploy.yml\n\n1 error\n");
    mkdirSync(join(examplesCopy(), "empty.yaml"));
    const empty = runPipec(["build", "empty.yaml"], { cwd: examplesCopy() });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("hint: pass the pipeline file, not the folder; empty.yaml holds no *.pipeline.ts, *.yaml or *.yml file");
    const noExtension = runPipec(["build", "pipelines.yaml/../pipelines.yaml/"], { cwd: examplesCopy() });
    expect(noExtension.stderr).toContain("is a directory\n  hint: pass the pipeline file, not the folder");
  });

  it("a binary file: says it is not text, at which byte, exit 2, with no code frame and no raw bytes", () => {
    const bytes = Buffer.alloc(300);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 167 + 13) % 256;
    writeFileSync(join(examplesCopy(), "bin.yaml"), bytes);
    const result = runPipec(["build", "bin.yaml"], { cwd: examplesCopy() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error\[load-failed\]: bin\.yaml: this is not a text file \(binary content at byte \d+\); a pipeline is YAML or TypeScript text\n/);
    expect(result.stderr).not.toContain(" | ");
    expect(result.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffd]/);
  });

  it("a text file with control characters: the code frame shows them escaped", () => {
    writeFileSync(join(examplesCopy(), "ctl.yaml"), 'name: ctl\nimage: alpine\njobs:\n  build:\n    steps:\n      - script: echo hi\n        \u001b[31mbogus: 1\n');
    const result = runPipec(["build", "ctl.yaml"], { cwd: examplesCopy() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown field "\\x1b[31mbogus"');
    expect(result.stderr).toContain("> 7 |         \\x1b[31mbogus: 1\n    |         ^");
    expect(result.stderr).not.toContain("\u001b");
  });

  it("an expression left in a script: exit 2 at the script, with the shell form to write instead", () => {
    writeFileSync(
      join(examplesCopy(), "expr.yaml"),
      ["name: mx", "vars:", "  CHANNEL:", "    default: beta", "jobs:", "  test:", "    image: busybox:1.36", "    steps:", '      - script: echo "channel=$CHANNEL"', '      - script: echo "expr=${{ vars.CHANNEL }}"', ""].join("\n"),
    );
    const result = runPipec(["build", "expr.yaml"], { cwd: examplesCopy() });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain('expr.yaml:10:17: error[expression-in-script]: job "test": step 2: ${{ vars.CHANNEL }} is not expanded in scripts, which run in sh');
    expect(result.stderr).toContain("hint: write $CHANNEL: variables, env and secrets are in the step's environment");
  });
});
