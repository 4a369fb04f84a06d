/**
 * A TypeScript pipeline runs in a thread of its own while it loads: whatever its top-level code does
 * (exit, never finish, leave timers, throw late, hand pipec odd values) ends as a located diagnostic
 * with exit 2, through the real binary, and never as a hang, a false success, a crash of pipec or an
 * "internal error". No Docker needed: everything here fails (or is built) before a job would start.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PIPEC, runPipec, type PipecResult } from "./run-pipec.ts";

let dir: string;
const JOB = `job("a", { image: "busybox:1.36", steps: ["true"] })`;
const HEAD = `import { job, pipeline } from "pipec";\n`;
const TAIL = `export default pipeline("p", { jobs: [${JOB}] });\n`;

/** Writes `<name>.pipeline.ts` with `body` between the import and the default export. */
function pipelineFile(name: string, body: string, tail = TAIL): string {
  const file = `${name}.pipeline.ts`;
  writeFileSync(join(dir, file), HEAD + body + tail);
  return file;
}

/** A user's mistake: exit 2, `message` at `file:line:column`, and nothing that looks like a crash. */
function expectLoadError(result: PipecResult, where: string, message: RegExp): void {
  expect(result.stderr).not.toMatch(/internal error|Node\.js v\d|\n\s+at .+:\d+:\d+/);
  expect(result.stderr).toContain(where);
  expect(result.stderr).toMatch(message);
  expect(result.code).toBe(2);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pipec-sandbox-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("process.exit in a pipeline", () => {
  it("fails build --check, validate and run (a CI gate cannot pass on it), at the line of the call", () => {
    const file = pipelineFile("exits", "process.exit(0);\n");
    writeFileSync(join(dir, "exits.plan.yaml"), "stale: true\n");
    const exitMessage = /the pipeline called process\.exit\(0\) while loading: pipec stopped it, nothing was built or checked/;
    expectLoadError(runPipec(["build", file, "-o", "exits.plan.yaml", "--check"], { cwd: dir }), `${file}:2:9`, exitMessage);
    expectLoadError(runPipec(["validate", "--no-typecheck", file], { cwd: dir }), `${file}:2:9`, exitMessage);
    expectLoadError(runPipec(["run", "--no-typecheck", "--executor", "local", file], { cwd: dir }), `${file}:2:9`, exitMessage);
  });

  it("with a non-zero code inside a function the pipeline calls is reported the same way", () => {
    const file = pipelineFile("exits-later", "function bail() {\n  process.exit(3);\n}\nbail();\n");
    expectLoadError(runPipec(["build", "--no-typecheck", file], { cwd: dir }), `${file}:3:11`, /process\.exit\(3\) while loading/);
  });
});

describe("top-level code that never finishes", () => {
  it("an await of a promise that never settles: exit 2, says so", () => {
    const file = pipelineFile("awaits", "await new Promise(() => {});\n");
    expectLoadError(runPipec(["validate", "--no-typecheck", file], { cwd: dir }), `${file}:1:1`, /did not finish loading: its top-level code awaits a promise that never settles/);
  });

  it.each([
    ["build", ["build", "--no-typecheck"]],
    ["run", ["run", "--no-typecheck", "--executor", "local"]],
  ])("an endless loop: one Ctrl-C ends pipec %s with 130 and the temporary bundle is gone", async (_, command) => {
    const file = pipelineFile("spins", "while (true) {}\n");
    const temp = mkdtempSync(join(tmpdir(), "pipec-sandbox-tmp-"));
    try {
      const child = spawn(process.execPath, [PIPEC, ...command, file], { cwd: dir, env: { ...process.env, TMPDIR: temp, NO_COLOR: "1" }, stdio: "ignore" });
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      // Wait until the bundle is written (the pipeline is then loading), then press Ctrl-C once.
      for (let waited = 0; readdirSync(temp).length === 0 && waited < 30_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
      expect(readdirSync(temp)).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 300));
      child.kill("SIGINT");
      const kill = setTimeout(() => child.kill("SIGKILL"), 10_000);
      expect(await exited).toBe(130);
      clearTimeout(kill);
      expect(readdirSync(temp)).toEqual([]);
    } finally {
      rmSync(temp, { recursive: true, force: true });
    }
  }, 60_000);

  it("an interval left running does not keep build alive after it wrote the plan", () => {
    const file = pipelineFile("ticks", "setInterval(() => {}, 1000);\n");
    const result = runPipec(["build", "--no-typecheck", file, "-o", "ticks.plan.json"], { cwd: dir });
    expect(result.stderr).toMatch(/^wrote ticks\.plan\.json: 1 job, sha256:\w+\n$/);
    expect(result.code).toBe(0);
  });
});

describe("throws pipec did not ask for", () => {
  it("a timer that throws after loading never runs: the plan is built, no stack trace", () => {
    const file = pipelineFile("throws-late", `setTimeout(() => { throw new Error("late"); }, 200);\n`);
    const result = runPipec(["build", "--no-typecheck", file], { cwd: dir });
    expect(result.stderr).not.toMatch(/late|Node\.js v\d/);
    expect(result.code).toBe(0);
  });

  it("a timer that throws while the pipeline is still loading is a load error at its line", () => {
    const file = pipelineFile("throws-while-waiting", `setTimeout(() => { throw new Error("too soon"); }, 10);\nawait new Promise((done) => setTimeout(done, 2000));\n`);
    expectLoadError(runPipec(["build", "--no-typecheck", file], { cwd: dir }), `${file}:2:26`, /the pipeline file threw while loading: too soon/);
  });

  it("an unhandled rejection is a load error at the line that made it", () => {
    const file = pipelineFile("rejects", `Promise.reject(new Error("nobody catches me"));\n`);
    expectLoadError(runPipec(["build", "--no-typecheck", file], { cwd: dir }), `${file}:2:16`, /left a promise rejected while loading: nobody catches me/);
  });

  it("a thrown object whose getters throw: a load error, not an internal error", () => {
    const file = pipelineFile("throws-trap", `throw { get message(): string { throw new Error("boom"); }, get stack(): string { throw new Error("boom"); } };\n`, "");
    expectLoadError(runPipec(["build", "--no-typecheck", file], { cwd: dir }), `${file}:1:1`, /the pipeline file threw while loading: a value pipec cannot describe/);
  });

  it("a Proxy as the default export whose traps throw: located at the trap", () => {
    const file = pipelineFile("proxy", "", `export default new Proxy({}, {\n  get() { throw new Error("trap"); },\n});\n`);
    expectLoadError(runPipec(["build", "--no-typecheck", file], { cwd: dir }), `${file}:3:17`, /the pipeline file threw while pipec read it: trap/);
  });
});

describe("values pipec cannot use are diagnostics at the author's line", () => {
  const cases: [name: string, options: string, message: RegExp][] = [
    ["timeout-object", `timeout: {} as any`, /job "a": timeout: an object is not a duration; write seconds as a number or text like "90s"/],
    ["timeout-null", `timeout: null as any`, /job "a": timeout: null is not a duration/],
    ["timeout-array", `timeout: [] as any`, /job "a": timeout: an array is not a duration/],
    ["timeout-nan", `timeout: NaN`, /job "a": timeout: NaN is not a duration/],
    ["steps-string", `steps: "echo hi" as any`, /job "a": steps: expected a list \[ \.\.\. \], got string "echo hi"/],
    ["retry-string", `retry: "x" as any`, /job "a": retry: expected a number of retries or \{ max: \.\.\. \}, got string "x"/],
    ["needs-string", `needs: "b" as any`, /job "a": needs: expected a list \[ \.\.\. \], got string "b"/],
    ["function-as-data", `workingDirectory: (() => "x") as any`, /job "a": workingDirectory: expected text, a number, a list or an object, got a function/],
  ];
  it.each(cases)("%s", (name, options, message) => {
    const file = pipelineFile(name, "", `export default pipeline("p", { jobs: [job("a", { image: "busybox:1.36", steps: ["true"], ${options} })] });\n`);
    expectLoadError(runPipec(["build", "--no-typecheck", file], { cwd: dir }), `${file}:2:`, message);
  });

  it("a forged pipeline (the brand without pipeline(...)) is no pipeline", () => {
    const file = pipelineFile("forged", "", `export default { [Symbol.for("pipec.pipeline")]: true, name: "x" };\n`);
    expectLoadError(runPipec(["build", "--no-typecheck", file], { cwd: dir }), `${file}:1:1`, /forged\.pipeline\.ts exports no pipeline: its export "default" is marked as one but was not made by pipeline\(\.\.\.\)/);
  });

  it("a forged job in jobs is reported as not a job", () => {
    const file = pipelineFile("forged-job", "", `export default pipeline("p", { jobs: [{ [Symbol.for("pipec.job")]: true, name: "x" } as any] });\n`);
    expectLoadError(runPipec(["build", "--no-typecheck", file], { cwd: dir }), `${file}:2:39`, /jobs\[0\]: expected a job made with job\(\) or deploy\.\*\(\), got an object/);
  });
});

describe("which pipeline a file exports", () => {
  it("two exported pipelines: names both and says how to choose", () => {
    const file = pipelineFile("two", `export const web = pipeline("web", { jobs: [${JOB}] });\nexport const api = pipeline("api", { jobs: [${JOB}] });\n`, "");
    const result = runPipec(["build", "--no-typecheck", file], { cwd: dir });
    expectLoadError(result, `${file}:1:1`, /error\[several-pipelines\]: two\.pipeline\.ts exports 2 pipelines: api \("api"\), web \("web"\); pipec builds one per file/);
    expect(result.stderr).toContain("export the one to build as the default: export default api");
  });
});

describe("process.env read while loading", () => {
  it("builds, with a warning at the reading line that names the variable and the run-time way", () => {
    const file = pipelineFile("reads-env", `const tag = process.env.IMAGE_TAG ?? "1.36";\n`, `export default pipeline("p", { jobs: [job("a", { image: \`busybox:\${tag}\`, steps: ["true"] })] });\n`);
    const result = runPipec(["build", "--no-typecheck", file], { cwd: dir, env: { IMAGE_TAG: "1.36" } });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`${file}:2:25: warning[env-at-load]: the pipeline reads process.env.IMAGE_TAG while loading: its value on the machine that builds the plan is written into the plan`);
    expect(result.stderr).toMatch(/vars: \{ IMAGE_TAG: \{ default: "\.\.\." \} \}\) and write "\$\{IMAGE_TAG\}" in env/);
  });

  it("pipec's own DSL reading the environment is not the author's read", () => {
    const result = runPipec(["build", "--no-typecheck", pipelineFile("plain", "")], { cwd: dir });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });
});
