/**
 * pipec as a user gets it: `npm pack` of this clone installed into a project outside the repository
 * (its own node_modules, nothing linked back), then the user's own `tsc`, a pipeline in a subfolder,
 * and `pipec run` from another subfolder, with `.pipec/` only at the project root.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerGate, TEST_IMAGES } from "../setup/require-docker.ts";

const REPO = join(import.meta.dirname, "..", "..");
const TSC = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const docker = await dockerGate("installed package (docker)");

const PIPELINE = `import { job, output, pipeline } from "pipec";

const build = job("build", {
  image: "${TEST_IMAGES.busybox}",
  steps: ["mkdir -p out", "echo built > out/app.txt"],
  outputs: { app: output("out/**") },
});

const test = job("test", {
  image: "${TEST_IMAGES.busybox}",
  matrix: { shard: ["1", "2"] },
  inputs: [build.outputs.app],
  steps: ({ matrix }) => [\`grep -q built out/app.txt && echo shard \${matrix.shard} ok\`],
});

export default pipeline("installed", { jobs: [build, test] });
`;

describe("the packed pipec, installed in a project of its own", () => {
  let scratch: string;
  let project: string;
  const pipec = (args: readonly string[], cwd: string) => {
    const result = spawnSync(join(project, "node_modules", ".bin", "pipec"), args, { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, timeout: 120_000 });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), "pipec-installed-"));
    // dist/ is built by `npm test` already; --ignore-scripts keeps this test from rebuilding it under the others.
    const packed = JSON.parse(execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", scratch], { cwd: REPO, encoding: "utf8" })) as { filename: string; files: { path: string }[] }[];
    const tarball = join(scratch, packed[0]!.filename);
    writeFileSync(join(scratch, "files.json"), JSON.stringify(packed[0]!.files.map((f) => f.path)));
    project = join(scratch, "project");
    mkdirSync(join(project, ".ci"), { recursive: true });
    mkdirSync(join(project, "packages", "web", "src"), { recursive: true });
    execFileSync("git", ["init", "-q"], { cwd: project });
    // A CommonJS project (no "type"), as most are.
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "user-project", version: "1.0.0", private: true }));
    // Install scripts skipped, as npm 11 does for dependencies nobody approved (allowScripts): pipec needs none of them.
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--no-save", "--ignore-scripts", tarball], { cwd: project, stdio: "pipe", timeout: 240_000 });
    writeFileSync(join(project, ".ci", "ci.pipeline.ts"), PIPELINE);
  }, 300_000);

  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }, 120_000); // a whole node_modules

  it("packs the built CLI, the DSL as JavaScript with .d.ts files, the README and the licence, and no tests", () => {
    const files = JSON.parse(readFileSync(join(scratch, "files.json"), "utf8")) as string[];
    expect(files).toEqual(expect.arrayContaining(["bin/pipec.mjs", "dist/cli.mjs", "dist/dsl/index.js", "dist/dsl/index.d.ts", "README.md", "LICENSE", "package.json"]));
    expect(files.filter((f) => /^(test|bench|examples|dsl|compiler|runtime|cli)\//.test(f) || f.startsWith("dist/bench") || f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
    // Installed for real: a folder of its own, not a link back to the clone.
    expect(lstatSync(join(project, "node_modules", "pipec")).isSymbolicLink()).toBe(false);
  });

  it.each([
    ["nodenext", { module: "nodenext", moduleResolution: "nodenext" }],
    ["bundler", { module: "esnext", moduleResolution: "bundler" }],
  ])("type-checks with the user's tsc under %s, without allowImportingTsExtensions", (_name, modules) => {
    const config = { compilerOptions: { ...modules, target: "es2022", strict: true, noEmit: true, skipLibCheck: false }, include: [".ci/**/*.ts"] };
    writeFileSync(join(project, "tsconfig.check.json"), JSON.stringify(config));
    const result = spawnSync(process.execPath, [TSC, "-p", "tsconfig.check.json"], { cwd: project, encoding: "utf8" });
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("builds a pipeline in a subfolder from another subfolder, honouring the project's tsconfig", () => {
    const result = pipec(["build", "../../.ci/ci.pipeline.ts"], join(project, "packages", "web"));
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("name: installed");
    expect(readdirSync(join(project, "packages", "web"))).toEqual(["src"]);

    // The project's tsconfig.json: its `paths` reach the pipeline (checker and bundler alike), its `strict: false` holds.
    mkdirSync(join(project, "shared"), { recursive: true });
    writeFileSync(join(project, "shared", "images.ts"), `export const BUSYBOX = "${TEST_IMAGES.busybox}";\n`);
    writeFileSync(join(project, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: false, baseUrl: ".", paths: { "@shared/*": ["shared/*"] } }, include: [".ci/**/*.ts", "shared"] }));
    const aliased = join(project, ".ci", "aliased.pipeline.ts");
    writeFileSync(
      aliased,
      `import { job, pipeline } from "pipec";\nimport { BUSYBOX } from "@shared/images";\nfunction loose(x) { return x; }\nexport default pipeline("aliased", { jobs: [job("one", { image: loose(BUSYBOX), steps: ["true"] })] });\n`,
    );
    try {
      // baseUrl: deprecated in pipec's checker (TypeScript 6), still what the project's own TypeScript reads.
      const built = pipec(["build", "../.ci/aliased.pipeline.ts"], join(project, "packages"));
      expect(built.stderr).toBe("");
      expect(built.stdout).toContain(`image: ${TEST_IMAGES.busybox}`);

      // A tsconfig.json that does not parse: one located error, exit 2.
      writeFileSync(join(project, "tsconfig.json"), '{ "compilerOptions": { "strict": true, } ');
      const broken = pipec(["build", "../.ci/aliased.pipeline.ts"], join(project, "packages"));
      expect(broken.code).toBe(2);
      expect(broken.stderr).toMatch(/^\.\.\/tsconfig\.json:\d+:\d+: error\[tsconfig-invalid\]: \.\.\/tsconfig\.json cannot be used to type-check the pipeline: /);
      expect(broken.stderr).toContain("1 error");
    } finally {
      rmSync(join(project, "tsconfig.json"));
      rmSync(aliased);
    }
  });

  it("reports a misspelled output once, at the author's line", () => {
    const file = join(project, ".ci", "typo.pipeline.ts");
    writeFileSync(file, PIPELINE.replace("inputs: [build.outputs.app]", "inputs: [build.outputs.ap]"));
    const result = pipec(["build", relative(join(project, "packages"), file)], join(project, "packages"));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^typo\.pipeline\.ts:12:26: error\[typescript\]: TS2339: Property 'ap' does not exist/);
    expect(result.stderr).toContain("1 error");
    rmSync(file);
  });

  it.runIf(docker.run)("runs a 3-job pipeline with an artifact and a matrix from a subfolder; .pipec/ appears only at the root", () => {
    docker.assertAvailable();
    const result = pipec(["run", "../../../.ci/ci.pipeline.ts", "--executor", "docker"], join(project, "packages", "web", "src"));
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain("shard 1 ok");
    expect(result.stdout).toContain("shard 2 ok");
    const found = spawnSync("find", [project, "-name", ".pipec", "-not", "-path", "*/node_modules/*"], { encoding: "utf8" }).stdout.trim().split("\n");
    expect(found).toEqual([join(project, ".pipec")]);
    expect(existsSync(join(project, ".pipec", "runs"))).toBe(true);
  });
});
