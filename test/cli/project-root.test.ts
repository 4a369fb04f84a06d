/** Where the project is, whatever folder pipec runs from: the default pipeline, `.pipec/` at the root, `pipec init`, and the bad inputs around them. */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPipec } from "./run-pipec.ts";

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "pipec-project-"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const gitProject = (name: string) => {
  const root = join(scratch, name);
  mkdirSync(join(root, "src", "deep"), { recursive: true });
  execFileSync("git", ["init", "-q"], { cwd: root });
  return root;
};
const oneLine = (text: string) => text.trimEnd().split("\n");

describe("the project root", () => {
  it("pipec init writes a starter at the git root from a subfolder, which then builds and runs with no file argument", () => {
    const root = gitProject("init");
    writeFileSync(join(root, ".gitignore"), "node_modules/");
    const init = runPipec(["init"], { cwd: join(root, "src", "deep") });
    expect(init.code).toBe(0);
    expect(init.stderr).toContain("wrote ../../ci.pipeline.ts, ../../tsconfig.json, ../../.gitignore (.pipec/)");
    expect(init.stderr).toMatch(/npx pipec build[\s\S]*npx pipec run[\s\S]*npx pipec logs last/);
    expect(readFileSync(join(root, ".gitignore"), "utf8")).toBe("node_modules/\n.pipec/\n");

    const built = runPipec(["build"], { cwd: join(root, "src") });
    expect(built.stderr).toBe("");
    expect(built.stdout).toContain("name: ci");
    const run = runPipec(["run", "--executor", "local"], { cwd: join(root, "src", "deep") });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain("hello from pipec");
    expect(existsSync(join(root, ".pipec", "runs"))).toBe(true);
    expect(existsSync(join(root, "src", ".pipec"))).toBe(false);
    expect(existsSync(join(root, "src", "deep", ".pipec"))).toBe(false);
    // The commands that take no pipeline find the same runs from anywhere in the project.
    expect(runPipec(["logs", "last", "test"], { cwd: join(root, "src", "deep") }).stdout).toContain("hello from pipec");

    // Again: nothing is overwritten, one line with what to do, exit 2.
    const again = runPipec(["init"], { cwd: root });
    expect(again.code).toBe(2);
    expect(oneLine(again.stderr)).toEqual([expect.stringMatching(/^pipec init: ci\.pipeline\.ts already exists at the project root .*; pipec init never overwrites\. Edit it, then npx pipec build$/)]);
  });

  it("keeps a tsconfig.json and a .gitignore line that are already there", () => {
    const root = gitProject("keep");
    writeFileSync(join(root, "tsconfig.json"), "{}\n");
    writeFileSync(join(root, ".gitignore"), "/.pipec/\n");
    const init = runPipec(["init"], { cwd: root });
    expect(init.code).toBe(0);
    expect(init.stderr).toContain("wrote ci.pipeline.ts\n");
    expect(readFileSync(join(root, "tsconfig.json"), "utf8")).toBe("{}\n");
    expect(readFileSync(join(root, ".gitignore"), "utf8")).toBe("/.pipec/\n");
  });

  it.each(["build", "validate", "graph", "run"])("pipec %s with no file and no pipeline at the root says what it looked for, exit 2", (command) => {
    const root = gitProject(`none-${command}`);
    const result = runPipec([command], { cwd: join(root, "src") });
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toEqual([
      `pipec ${command}: no pipeline file given, and none at the project root ${root} (the git work tree): looked for ci.pipeline.ts, pipeline.yaml, pipeline.yml. Pass one (pipec run path/to/x.pipeline.ts) or create one with pipec init`,
    ]);
    expect(existsSync(join(root, ".pipec"))).toBe(false);
  });

  it("pipec run refuses a pipeline outside the current folder's project, exit 2, writing nothing; build reads it in its own project", () => {
    const here = gitProject("here");
    const elsewhere = join(scratch, "elsewhere");
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, "ci.pipeline.ts"), 'import { job, pipeline } from "pipec";\nexport default pipeline("x", { jobs: [job("a", { image: "busybox:1.36", steps: ["true"] })] });\n');
    const result = runPipec(["run", join(elsewhere, "ci.pipeline.ts"), "--executor", "local"], { cwd: join(here, "src") });
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toEqual([expect.stringMatching(/^pipec run: .*ci\.pipeline\.ts is outside the project .*here \(the git work tree of the current folder\): .* cd into the pipeline's project first \(cd .*elsewhere\)/)]);
    expect(existsSync(join(here, ".pipec"))).toBe(false);
    expect(existsSync(join(elsewhere, ".pipec"))).toBe(false);

    // Reading it is fine: build, validate and graph take the file's own project (its cache goes there).
    const built = runPipec(["build", join(elsewhere, "ci.pipeline.ts")], { cwd: join(here, "src") });
    expect(built.code).toBe(0);
    expect(existsSync(join(here, ".pipec"))).toBe(false);
    expect(existsSync(join(elsewhere, ".pipec", "cache"))).toBe(true);
  });

  it("outside any git work tree, a pipeline's project is its folder, wherever pipec runs from", () => {
    const folder = join(scratch, "plain");
    mkdirSync(folder);
    writeFileSync(join(folder, "ci.pipeline.ts"), 'import { job, pipeline } from "pipec";\nexport default pipeline("plain", { jobs: [job("a", { image: "busybox:1.36", steps: ["true"] })] });\n');
    const result = runPipec(["build", join(folder, "ci.pipeline.ts")], { cwd: "/" });
    expect(result.code).toBe(0);
    // The type-check cache is the project's: in its folder, never in the current one (here /).
    expect(existsSync(join(folder, ".pipec", "cache", "typecheck"))).toBe(true);
    expect(existsSync("/.pipec")).toBe(false);
  });
});
