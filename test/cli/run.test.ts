/** End to end: `pipec run` with the real binary, the real Docker engine and the local executor. */
import { spawn, spawnSync, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerGate, TEST_IMAGES } from "../setup/require-docker.ts";
import { PIPEC, runPipec } from "./run-pipec.ts";

const docker = await dockerGate("pipec run (docker)");
let dir: string;

const write = (name: string, text: string) => writeFileSync(join(dir, name), text);
const events = (stdout: string) => stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown> & { type: string });
const image = TEST_IMAGES.busybox;
const listRunIdsIn = (project: string) => readdirSync(join(project, ".pipec", "runs")).sort().reverse();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pipec-run-"));
  write("app.txt", "project file\n");
  write(".gitignore", "ignored.txt\n");
  write("ignored.txt", "should not reach jobs\n");
  execFileSync("git", ["init", "-q"], { cwd: dir });
  write(
    "ci.pipeline.ts",
    `import { job, pipeline, secret } from "pipec";
const build = job("build", { image: "${image}", steps: ["cat app.txt", "test ! -e ignored.txt", "echo built > out.txt", "echo to-stderr >&2"] });
const test = job("test", { image: "${image}", needs: [build], env: { TOKEN: secret("API_TOKEN") }, steps: ["echo token=$TOKEN", "echo testing"] });
const broken = job("broken", { image: "${image}", steps: ["echo about to fail", "exit 3"] });
const after = job("after", { image: "${image}", needs: [broken], steps: ["echo never"] });
const cleanup = job("cleanup", { image: "${image}", needs: [broken], if: "always()", steps: ["echo cleaning"] });
export default pipeline("e2e", { jobs: [test, after, cleanup] });
`,
  );
  write(
    "slow.pipeline.ts",
    `import { job, pipeline } from "pipec";
export default pipeline("slow", { jobs: [job("sleepy", { image: "${image}", steps: ["echo sleeping", "sleep 60"] })] });
`,
  );
});
const ownProjects: string[] = [];
const ownProject = (prefix: string) => {
  const project = mkdtempSync(join(tmpdir(), prefix));
  ownProjects.push(project);
  return project;
};
afterAll(() => [dir, ...ownProjects].forEach((folder) => rmSync(folder, { recursive: true, force: true })));

describe.each([
  { executor: "docker", enabled: docker.run },
  { executor: "local", enabled: true },
])("pipec run --executor $executor", ({ executor, enabled }) => {
  beforeAll(() => {
    if (executor === "docker") docker.assertAvailable();
  });

  it.runIf(enabled)("runs the DAG, skips dependents of a failure, runs always() jobs, exits 1, masks secrets", () => {
    const result = runPipec(["run", "ci.pipeline.ts", "--executor", executor, "--json"], { cwd: dir, env: { API_TOKEN: "sup3r-s3cret" } });
    expect(result.code).toBe(1);
    const all = events(result.stdout);
    const finished = Object.fromEntries(all.filter((e) => e.type === "job.finished").map((e) => [e.job, e]));
    expect(finished.build).toMatchObject({ status: "success", attempts: 1, exitCode: 0 });
    expect(finished.test).toMatchObject({ status: "success" });
    expect(finished.broken).toMatchObject({ status: "failed", exitCode: 3 });
    expect(finished.after).toMatchObject({ status: "skipped" });
    expect(finished.cleanup).toMatchObject({ status: "success" });
    expect(all.at(-1)).toMatchObject({ type: "run.finished", status: "failed" });
    expect(all[0]).toMatchObject({ type: "run.started", pipeline: "e2e", executor });
    const logs = all.filter((e) => e.type === "job.log");
    expect(logs).toContainEqual(expect.objectContaining({ job: "build", stream: "stdout", text: "project file" }));
    expect(logs).toContainEqual(expect.objectContaining({ job: "build", stream: "stderr", text: "to-stderr" }));
    expect(logs).toContainEqual(expect.objectContaining({ job: "test", text: "token=***" }));
    expect(result.stdout + result.stderr).not.toContain("sup3r-s3cret");
    const runId = all[0]!.runId as string;
    const runFiles = join(dir, ".pipec", "runs", runId);
    expect(readFileSync(join(runFiles, "logs", "test.log"), "utf8")).toContain("token=***");
    expect(readFileSync(join(runFiles, "events.jsonl"), "utf8")).not.toContain("sup3r-s3cret");
    expect(JSON.parse(readFileSync(join(runFiles, "state.json"), "utf8"))).toMatchObject({ status: "failed", jobs: { broken: { status: "failed", exitCode: 3 } } });
    expect(existsSync(join(dir, "out.txt"))).toBe(false);
  });

  it.runIf(enabled)("refuses a secret that is not set before the first job, with what to do (exit 2)", () => {
    const before = listRunIdsIn(dir);
    const result = runPipec(["run", "ci.pipeline.ts", "--executor", executor], { cwd: dir, env: { API_TOKEN: "" } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('pipec run: secret API_TOKEN (job "test") is not set, so no job ran: export API_TOKEN=... before pipec run, or pass --secrets-file FILE\n');
    expect(result.stdout).not.toContain("[build] started");
    expect(listRunIdsIn(dir)).toEqual(before);
  });

  it.runIf(enabled)("stops running jobs on SIGINT, records the run as cancelled and exits 130", async () => {
    const child = spawn(process.execPath, [PIPEC, "run", "slow.pipeline.ts", "--executor", executor], { cwd: dir, env: { ...process.env, CI: "true" } });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (out.includes("sleeping")) {
          clearInterval(poll);
          resolve();
        }
      }, 50);
    });
    const started = Date.now();
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(130);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(out).toContain("run cancelled");
    const runId = /run (\d{8}-\d{6}-[0-9a-f]{4})/.exec(out)![1]!;
    if (executor === "docker") {
      const left = execFileSync("docker", ["ps", "-aq", "--filter", `label=dev.pipec.run-id=${runId}`], { encoding: "utf8" });
      expect(left.trim()).toBe("");
    }
    expect(JSON.parse(readFileSync(join(dir, ".pipec", "runs", runId, "state.json"), "utf8")).status).toBe("cancelled");
  }, 30_000);
});

describe("faults", () => {
  it.runIf(docker.run)("a later run removes the containers of a run that was killed hard", async () => {
    docker.assertAvailable();
    const child = spawn(process.execPath, [PIPEC, "run", "slow.pipeline.ts", "--executor", "docker", "--json"], { cwd: dir });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => out.includes("sleeping") && (clearInterval(poll), resolve()), 50);
    });
    const runId = (JSON.parse(out.split("\n")[0]!) as { runId: string }).runId;
    const leftovers = () => execFileSync("docker", ["ps", "-aq", "--filter", `label=dev.pipec.run-id=${runId}`], { encoding: "utf8" }).trim();
    // "sleeping" is the first step's; the second step's container may not exist yet on a busy machine.
    while (leftovers() === "") await new Promise((resolve) => setTimeout(resolve, 100));
    child.kill("SIGKILL");
    await new Promise((resolve) => child.on("exit", resolve));
    expect(leftovers()).not.toBe("");
    const next = runPipec(["run", "ci.pipeline.ts", "--executor", "docker"], { cwd: dir, env: { API_TOKEN: "x-token-x" } });
    expect(next.stderr).toContain(`run ${runId} was killed (pipec's process disappeared) before any job succeeded; pipec run --resume ${runId} continues it`);
    expect(next.stderr).toContain(`cleaned up after ${runId}: 1 container(s) removed`);
    expect(leftovers()).toBe("");
    expect(runPipec(["runs"], { cwd: dir }).stdout).toMatch(new RegExp(`${runId}\\s+cancelled`));
  }, 60_000);

  it("streams 50 MB of output and invalid UTF-8 through a run with a small heap", () => {
    write(
      "loud.pipeline.ts",
      `import { job, pipeline } from "pipec";
const loud = job("loud", { image: "${image}", steps: ["i=0; line=$(printf '%0999d' 0); while [ $i -lt 50000 ]; do echo $line; i=$((i+1)); done", "head -c 100000 /dev/urandom"] });
export default pipeline("loud", { jobs: [loud] });
`,
    );
    const result = spawnSync(process.execPath, ["--max-old-space-size=64", PIPEC, "run", "loud.pipeline.ts", "--executor", "local", "--json", "--no-typecheck"], { cwd: dir, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8", timeout: 120_000 });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    // Run ids sort by second only; find this run by its pipeline's name.
    const runId = listRunIdsIn(dir).find((id) => JSON.parse(readFileSync(join(dir, ".pipec", "runs", id, "plan.json"), "utf8")).name === "loud")!;
    expect(statSync(join(dir, ".pipec", "runs", runId, "logs", "loud.log")).size).toBeGreaterThan(50_000_000);
  }, 150_000);
});

/** Runs pipec to its end while sampling its resident memory from /proc; returns the exit code and the peak in MB. */
async function runMeasuringRss(args: readonly string[], cwd: string): Promise<{ code: number | null; peakMb: number }> {
  const child = spawn(process.execPath, [PIPEC, ...args], { cwd, stdio: "ignore" });
  let peak = 0;
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      peak = Math.max(peak, Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0));
    } catch {
      // The process is gone.
    }
  };
  const timer = setInterval(sample, 25);
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  clearInterval(timer);
  return { code, peakMb: peak / 1024 };
}

describe("pipec's memory does not grow with a job's output", () => {
  it.each([
    { executor: "local", enabled: true },
    { executor: "docker", enabled: docker.run },
  ])("100 MB through a $executor job keeps pipec under 200 MB resident (held output would be over 250 MB)", async ({ executor, enabled }) => {
    if (!enabled) return;
    write("huge.pipeline.ts", `import { job, pipeline } from "pipec";
export default pipeline("huge", { jobs: [job("huge", { image: "${image}", steps: ["head -c 104857600 /dev/zero | tr '\\\\0' 'x' | fold -w 1000"] })] });
`);
    const { code, peakMb } = await runMeasuringRss(["run", "huge.pipeline.ts", "--executor", executor, "--no-typecheck", "--no-cache", "--json"], dir);
    expect(code).toBe(0);
    expect(peakMb).toBeGreaterThan(20);
    expect(peakMb).toBeLessThan(200);
  }, 120_000);
});

function writeArtifactsPipeline() {
  write(
    "artifacts.pipeline.ts",
    `import { job, output, pipeline } from "pipec";
const build = job("build", { image: "${image}", steps: ["mkdir -p dist/sub", "echo bundle > dist/app.js", "echo map > dist/app.js.map", "printf '#!/bin/sh\\necho run' > dist/run.sh", "chmod 755 dist/run.sh", "ln -s app.js dist/current.js"], outputs: { dist: output("dist/**", { exclude: ["**/*.map"] }), docs: output("docs/**", { optional: true }) } });
const test = job("test", { image: "${image}", inputs: [build.outputs.dist], steps: ["cat dist/app.js", "test ! -e dist/app.js.map", "test -x dist/run.sh", "cat dist/current.js"] });
export default pipeline("artifacts", { jobs: [test] });
`,
  );
}

describe("artifacts between jobs", () => {
  it.each([
    { executor: "local", enabled: true },
    { executor: "docker", enabled: docker.run },
  ])("hands outputs to consumers through the store ($executor), keeps modes and symlinks", ({ executor, enabled }) => {
    if (!enabled) return;
    writeArtifactsPipeline();
    const result = runPipec(["run", "artifacts.pipeline.ts", "--executor", executor, "--json"], { cwd: dir });
    const all = events(result.stdout);
    expect(result.code, result.stderr).toBe(0);
    expect(all).toContainEqual(expect.objectContaining({ type: "artifact.stored", job: "build", name: "dist", files: 3 }));
    expect(all).toContainEqual(expect.objectContaining({ type: "artifact.restored", job: "test", from: "build", name: "dist" }));
    expect(all.filter((e) => e.type === "job.log" && e.job === "test").map((e) => e.text)).toEqual(["bundle", "bundle"]);
  });

  it("runs a job without an optional input that is not there; a required one fails the job with what to do; the job cache counts the absence", () => {
    const project = ownProject("pipec-optional-inputs-");
    writeFileSync(
      join(project, "ci.pipeline.ts"),
      `import { input, job, output, pipeline, when } from "pipec";
const build = job("build", { image: "${image}", steps: ["echo no docs here"], outputs: { docs: output("docs/**", { optional: true }) } });
const lenient = job("lenient", { image: "${image}", inputs: [input(build.outputs.docs, { optional: true })], steps: ["test ! -e docs", "echo ran without docs"] });
const strict = job("strict", { image: "${image}", inputs: [build.outputs.docs], steps: ["echo never"] });
const broken = job("broken", { image: "${image}", steps: ["echo partial > report.txt", "exit 2"], outputs: { report: output("report.txt") } });
const cleanup = job("cleanup", { image: "${image}", if: when.always(), inputs: [input(broken.outputs.report, { optional: true })], steps: ["test ! -e report.txt", "echo cleaned"] });
export default pipeline("optional", { jobs: [lenient, strict, cleanup] });
`,
    );
    const run = () => runPipec(["run", "ci.pipeline.ts", "--executor", "local", "--json"], { cwd: project });
    const first = run();
    expect(first.code, first.stderr).toBe(1);
    const all = events(first.stdout);
    const status = (job: string) => all.find((e) => e.type === "job.finished" && e.job === job)?.status;
    expect({ build: status("build"), lenient: status("lenient"), strict: status("strict"), broken: status("broken"), cleanup: status("cleanup") }).toEqual({ build: "success", lenient: "success", strict: "failed", broken: "failed", cleanup: "success" });
    expect(all.filter((e) => e.type === "run.notice").map((e) => e.message)).toEqual(
      expect.arrayContaining([
        "lenient: optional input build.docs is not there (it finished without that output (an optional output that matched nothing)); the job runs without it",
        "cleanup: optional input broken.report is not there (it did not run successfully in this run); the job runs without it",
      ]),
    );
    expect(JSON.stringify(all.find((e) => e.type === "job.finished" && e.job === "strict"))).toContain("input build.docs is not available: it finished without that output (an optional output that matched nothing); take it as an optional input if the job can run without it");
    expect(all.filter((e) => e.type === "step.started" && e.job === "strict")).toEqual([]);
    // Again: build and lenient are cache hits (lenient keyed on the absence); docs appear, and lenient runs with them.
    const second = run();
    expect(events(second.stdout).filter((e) => e.type === "job.cache" && e.hit).map((e) => e.job)).toEqual(expect.arrayContaining(["build", "lenient"]));
    writeFileSync(join(project, "ci.pipeline.ts"), readFileSync(join(project, "ci.pipeline.ts"), "utf8").replace('"echo no docs here"', '"mkdir docs", "echo hi > docs/a.txt"').replace('"test ! -e docs", ', '"cat docs/a.txt", '));
    const third = events(run().stdout);
    expect(third.find((e) => e.type === "job.finished" && e.job === "lenient")?.status).toBe("success");
    expect(third).toContainEqual(expect.objectContaining({ type: "artifact.restored", job: "lenient", from: "build", name: "docs" }));
    expect(third.filter((e) => e.type === "job.log" && e.job === "lenient").map((e) => e.text)).toContain("hi");
  });

  it("fails a job whose declared output is missing, and a consumer of a corrupted artifact names the hashes", () => {
    write(
      "missing.pipeline.ts",
      `import { job, output, pipeline } from "pipec";
const build = job("build", { image: "${image}", steps: ["echo no dist here"], outputs: { dist: output("dist/**") } });
export default pipeline("missing", { jobs: [build] });
`,
    );
    const missing = runPipec(["run", "missing.pipeline.ts", "--executor", "local"], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/build\] FAILED .*dist/);

    writeArtifactsPipeline();
    const first = runPipec(["run", "artifacts.pipeline.ts", "--executor", "local", "--json", "--no-cache"], { cwd: dir });
    const stored = events(first.stdout).find((e) => e.type === "artifact.stored")!;
    const runId = events(first.stdout)[0]!.runId as string;
    const objects = join(dir, ".pipec", "store", "objects");
    for (const fan of readdirSync(objects)) {
      for (const object of readdirSync(join(objects, fan))) {
        const path = join(objects, fan, object);
        if (readFileSync(path, "utf8") === "bundle\n") {
          rmSync(path, { force: true });
          writeFileSync(path, "bundlf\n");
        }
      }
    }
    const state = JSON.parse(readFileSync(join(dir, ".pipec", "runs", runId, "state.json"), "utf8"));
    state.jobs.test.status = "failed";
    writeFileSync(join(dir, ".pipec", "runs", runId, "state.json"), JSON.stringify(state));
    const resumed = runPipec(["run", "--resume", runId, "--executor", "local"], { cwd: dir });
    expect(resumed.code).toBe(1);
    expect(resumed.stdout).toContain("input build.dist");
    expect(resumed.stdout).toMatch(/expected|sha256/);
    expect(stored.id).toBeTruthy();
  });
});

describe("job cache", () => {
  it("skips unchanged jobs and restores their outputs; --explain-cache names what changed; --no-cache runs all", () => {
    // A project of its own: inside `dir` (a git work tree) its root would be `dir`.
    const project = ownProject("pipec-cache-project-");
    writeFileSync(join(project, "src.txt"), "v1\n");
    writeFileSync(
      join(project, "ci.pipeline.ts"),
      `import { job, output, pipeline } from "pipec";
const build = job("build", { image: "${image}", env: { MODE: "\${MODE:-fast}" }, steps: ["cat src.txt > out.txt", "echo built"], outputs: { out: output("out.txt") } });
const use = job("use", { image: "${image}", inputs: [build.outputs.out], steps: ["cat out.txt"] });
export default pipeline("cached", { vars: { MODE: "fast" }, jobs: [use] });
`,
    );
    const run = (...extra: string[]) => runPipec(["run", "ci.pipeline.ts", "--executor", "local", ...extra], { cwd: project });
    const cachedJobs = (stdout: string) => events(stdout).filter((e) => e.type === "job.cache" && e.hit).map((e) => e.job);

    expect(cachedJobs(run("--json").stdout)).toEqual([]);
    const second = run("--json");
    expect(second.code).toBe(0);
    expect(cachedJobs(second.stdout)).toEqual(["build", "use"]);
    expect(events(second.stdout).filter((e) => e.type === "step.started")).toEqual([]);

    writeFileSync(join(project, "src.txt"), "v2\n");
    const changed = run("--explain-cache");
    expect(changed.stdout).toContain("[build] cache miss: file src.txt changed");
    expect(changed.stdout).toContain("[use] cache miss: file src.txt, input build.out changed");
    expect(changed.stdout).toContain("[use] v2");

    const vars = run("--explain-cache", "--var", "MODE=slow");
    expect(vars.stdout).toContain("[build] cache miss: env MODE changed");

    const again = run("--explain-cache", "--var", "MODE=slow");
    expect(again.stdout).toContain("[build] cached: not run, outputs restored");
    expect(again.stderr).toMatch(/build\s+success.*\(cached\)/);

    const forced = run("--json", "--var", "MODE=slow", "--no-cache");
    expect(cachedJobs(forced.stdout)).toEqual([]);
    expect(events(forced.stdout).filter((e) => e.type === "job.started")).toHaveLength(2);
  });
});

describe("dependency caches", () => {
  it("restores paths saved by an earlier run with the same key files, and misses when they change", () => {
    const project = ownProject("pipec-dep-cache-");
    writeFileSync(join(project, "lock.txt"), "deps v1\n");
    writeFileSync(
      join(project, "ci.pipeline.ts"),
      `import { files, job, pipeline } from "pipec";
const install = job("install", { image: "${image}", caches: [{ key: [files("lock.txt"), "v1"], paths: ["deps/**"] }], steps: ["if [ -e deps/installed ]; then echo reused; else mkdir -p deps && cat lock.txt > deps/installed && echo fresh; fi"] });
export default pipeline("deps", { jobs: [install] });
`,
    );
    const run = () => runPipec(["run", "ci.pipeline.ts", "--executor", "local", "--no-cache"], { cwd: project });
    expect(run().stdout).toContain("[install] fresh");
    expect(run().stdout).toContain("[install] reused");
    writeFileSync(join(project, "lock.txt"), "deps v2\n");
    expect(run().stdout).toContain("[install] fresh");
  });
});

describe("runs, logs and resume", () => {
  it("lists runs, prints logs, and --resume reruns only what did not succeed", () => {
    const marker = join(dir, "flaky-ok");
    write(
      "flaky.pipeline.ts",
      `import { job, pipeline } from "pipec";
const first = job("first", { image: "${image}", steps: ["echo first ran"] });
const second = job("second", { image: "${image}", needs: [first], steps: ["test -e ${marker} || exit 4", "echo second ran"] });
export default pipeline("flaky", { jobs: [second] });
`,
    );
    const failed = runPipec(["run", "flaky.pipeline.ts", "--executor", "local", "--json"], { cwd: dir });
    expect(failed.code).toBe(1);
    const runId = events(failed.stdout)[0]!.runId as string;

    const runs = runPipec(["runs"], { cwd: dir });
    expect(runs.stdout).toMatch(new RegExp(`${runId}\\s+failed`));
    const logs = runPipec(["logs", runId, "first"], { cwd: dir });
    expect(logs.stdout).toContain("first ran");
    expect(runPipec(["logs", runId, "nope"], { cwd: dir }).code).toBe(2);

    writeFileSync(marker, "");
    const resumed = runPipec(["run", "--resume", runId, "--executor", "local", "--json"], { cwd: dir });
    expect(resumed.code).toBe(0);
    const all = events(resumed.stdout);
    expect(all[0]).toMatchObject({ type: "run.started", resumedFrom: runId });
    expect(all.filter((e) => e.type === "job.started").map((e) => e.job)).toEqual(["second"]);
  });

  it("times a job out (SIGTERM, grace, SIGKILL) and retries a failed job with backoff, recording every attempt", () => {
    const marker = join(dir, "retry-marker");
    write(
      "timing.pipeline.ts",
      `import { job, pipeline } from "pipec";
const slow = job("slow", { image: "${image}", timeout: "1s", steps: ["echo start", "sleep 30"] });
const flaky = job("flaky", { image: "${image}", retry: { max: 2, backoff: { initial: "100ms" } }, steps: ["if [ -e ${marker} ]; then echo second try; else touch ${marker}; exit 9; fi"] });
export default pipeline("timing", { jobs: [slow, flaky] });
`,
    );
    const started = Date.now();
    const result = runPipec(["run", "timing.pipeline.ts", "--executor", "local", "--json"], { cwd: dir });
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(result.code).toBe(1);
    const finished = Object.fromEntries(events(result.stdout).filter((e) => e.type === "job.finished").map((e) => [e.job, e]));
    expect(finished.slow).toMatchObject({ status: "timed-out", attempts: 1 });
    expect(finished.flaky).toMatchObject({ status: "success", attempts: 2, exitCode: 0 });
    expect(events(result.stdout).filter((e) => e.type === "job.started" && e.job === "flaky").map((e) => e.attempt)).toEqual([1, 2]);
  }, 40_000);

  it("rejects an undeclared --var and a bad --concurrency with exit 2", () => {
    const unknown = runPipec(["run", "ci.pipeline.ts", "--var", "TAGG=1"], { cwd: dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("the pipeline declares no variable TAGG");
    const concurrency = runPipec(["run", "ci.pipeline.ts", "--concurrency", "0"], { cwd: dir });
    expect(concurrency.code).toBe(2);
    expect(concurrency.stderr).toContain("--concurrency 0: expected a whole number of at least 1");
  });
});
