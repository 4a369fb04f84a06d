/**
 * Bad input through the real binary: every mistake gets a message that says where and what to do,
 * the documented exit code, and never a stack trace or "internal error" of pipec. Local executor
 * only, so these run without a Docker engine.
 */
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { PIPEC, runPipec, type PipecResult } from "./run-pipec.ts";
import { listRunIds } from "../../runtime/run/run-store.ts";

let dir: string;
const write = (name: string, text: string) => writeFileSync(join(dir, name), text);
/** Newest first, as pipec orders them (runs of one second by when they were made). */
const runIds = (project: string) => listRunIds(project);

/** A user's mistake: exit `code`, a message matching `message`, and nothing that looks like a crash. */
function expectAnswer(result: PipecResult, code: number, message: RegExp): void {
  expect(result.stderr).not.toMatch(/internal error|\n\s+at .+:\d+:\d+/);
  expect(result.stderr).toMatch(message);
  expect(result.code).toBe(code);
}

const FAILING = `name: failing
jobs:
  a:
    image: busybox:1.36
    steps: ["echo before", "exit 3"]
`;

const ARTIFACTS = `name: art
jobs:
  build:
    image: busybox:1.36
    steps: ["mkdir -p dist && echo hello > dist/a.txt"]
    artifacts:
      dist: { paths: dist/** }
  use:
    image: busybox:1.36
    inputs: [build.dist]
    steps: ["cat dist/a.txt"]
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pipec-bad-input-"));
  write("failing.yaml", FAILING);
  write("art.yaml", ARTIFACTS);
  mkdirSync(join(dir, "a-folder"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("pipec build -o to a path that cannot take the plan", () => {
  it("a missing folder: exit 2, says so and what to do", () => {
    expectAnswer(runPipec(["build", "failing.yaml", "-o", join(dir, "no", "such", "plan.yaml")], { cwd: dir }), 2, /cannot write .*plan\.yaml: its folder does not exist; choose another -o path/);
  });

  it("a directory: exit 2, and no temp file is left behind", () => {
    expectAnswer(runPipec(["build", "failing.yaml", "-o", "a-folder"], { cwd: dir }), 2, /cannot write a-folder: it is a directory/);
    expect(readdirSync(dir).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  it("--check against a directory: exit 2, not \"missing\"", () => {
    expectAnswer(runPipec(["build", "failing.yaml", "--check", "-o", "a-folder"], { cwd: dir }), 2, /cannot read a-folder: it is a directory/);
  });
});

describe("runs, logs and --resume with damaged run folders", () => {
  let project: string;
  let run: string;
  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), "pipec-bad-runs-"));
    writeFileSync(join(project, "failing.yaml"), FAILING);
    expect(runPipec(["run", "failing.yaml", "--executor", "local"], { cwd: project }).code).toBe(1);
    run = runIds(project)[0]!;
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it("pipec runs reads how a run ended from its events when state.json is damaged", () => {
    writeFileSync(join(project, ".pipec", "runs", run, "state.json"), '{"runId": 5');
    const result = runPipec(["runs"], { cwd: project });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`${run}\\s+failed\\s+\\S+\\s+failing`));
  });

  it("pipec logs of a run whose logs folder is gone says so, exit 0; a path is no run id (exit 2)", () => {
    rmSync(join(project, ".pipec", "runs", run, "logs"), { recursive: true });
    expectAnswer(runPipec(["logs", run], { cwd: project }), 0, /has no job logs .*pipec runs shows how it ended/);
    expectAnswer(runPipec(["logs", ".."], { cwd: project }), 2, /no run \.\. in \.pipec\/runs/);
  });

  it("--resume of a run with a damaged plan.json names the file, exit 2", () => {
    writeFileSync(join(project, ".pipec", "runs", run, "plan.json"), "garbage");
    expectAnswer(runPipec(["run", "--resume", run, "--executor", "local"], { cwd: project }), 2, /plan\.json is missing or damaged.*run the pipeline again/);
  });

  it("--resume last resumes the newest run; FILE with --resume is refused rather than ignored", () => {
    expect(runPipec(["run", "failing.yaml", "--executor", "local"], { cwd: project }).code).toBe(1);
    const newest = runIds(project)[0]!;
    const resumed = runPipec(["run", "--resume", "last", "--executor", "local", "--json"], { cwd: project });
    expect(resumed.stderr).not.toMatch(/no such run/);
    expect(resumed.code).toBe(1);
    expect(JSON.parse(resumed.stdout.split("\n")[0]!)).toMatchObject({ type: "run.started", resumedFrom: newest });
    expectAnswer(runPipec(["run", "failing.yaml", "--resume", "last", "--executor", "local"], { cwd: project }), 2, /give a pipeline FILE or --resume RUN, not both/);
  });
});

describe("pipec run", () => {
  it("keeps going when the reader of its output goes away (| head): the run's own exit code, no EPIPE failure", () => {
    writeFileSync(join(dir, "talk.yaml"), `name: talk\njobs:\n  talk:\n    image: busybox:1.36\n    steps:\n      - script: i=0; while [ $i -lt 20000 ]; do echo "line $i"; i=$((i+1)); done\n`);
    const piped = spawnSync("bash", ["-c", `"${process.execPath}" "${PIPEC}" run talk.yaml --executor local | head -1; exit \${PIPESTATUS[0]}`], { cwd: dir, encoding: "utf8" });
    expect(piped.stdout.split("\n").filter(Boolean)).toHaveLength(1);
    expect(piped.stderr).not.toMatch(/EPIPE|internal error/);
    expect(piped.status).toBe(0);
  });

  it.each(["99999999999999999999", "0x10", "1e3", "2.0"])("-j %s is refused with exit 2", (value) => {
    expectAnswer(runPipec(["run", "failing.yaml", "-j", value, "--executor", "local"], { cwd: dir }), 2, /--concurrency .*: expected a whole number of at least 1 and at most/);
  });

  it("--secrets-file naming a directory: exit 2, in words", () => {
    expectAnswer(runPipec(["run", "failing.yaml", "--secrets-file", "a-folder", "--executor", "local"], { cwd: dir }), 2, /--secrets-file a-folder cannot be read: it is a directory; pass a file of NAME=value lines/);
  });

  it("in a project where .pipec cannot be written: exit 2, says what to do, runs nothing", () => {
    const project = mkdtempSync(join(tmpdir(), "pipec-bad-project-"));
    try {
      writeFileSync(join(project, "failing.yaml"), FAILING);
      writeFileSync(join(project, ".pipec"), "a file where pipec keeps its folder");
      expectAnswer(runPipec(["run", "failing.yaml", "--executor", "local"], { cwd: project }), 2, /pipec run: cannot record the run in .*run it from a folder you can write to/);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});

describe("deployments", () => {
  it("deploy status --watch --interval beyond a timer's range is refused, not a busy loop", () => {
    expectAnswer(runPipec(["deploy", "status", "--watch", "--interval", "99999999999999999999999"], { cwd: dir }), 2, /at most 2147483647/);
  });

  it("deploy undo of an unknown deployment is bad input (exit 2), like deploy status", () => {
    expectAnswer(runPipec(["deploy", "undo", "nope"], { cwd: dir }), 2, /no deployment "nope" in \.pipec\/deployments/);
  });
});

describe("pipec artifacts with paths that cannot be used", () => {
  it("get -o naming a file, and --store naming a file: exit 2 with what to change, no raw errno", () => {
    const project = mkdtempSync(join(tmpdir(), "pipec-bad-artifacts-"));
    try {
      writeFileSync(join(project, "art.yaml"), ARTIFACTS);
      expect(runPipec(["run", "art.yaml", "--executor", "local"], { cwd: project }).code).toBe(0);
      writeFileSync(join(project, "a-file"), "x");
      expectAnswer(runPipec(["artifacts", "get", "dist", "-o", "a-file"], { cwd: project }), 2, /cannot mkdir a-file: a file is in the way where a folder is needed; choose another -o folder/);
      for (const command of ["ls", "verify", "gc"]) {
        expectAnswer(runPipec(["artifacts", "--store", "a-file", command], { cwd: project }), 2, /--store a-file is a file, not an artifact store folder/);
      }
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});

describe("a damaged artifact store object", () => {
  it("is replaced when its producer runs again, so the consumer gets the right bytes", () => {
    const project = mkdtempSync(join(tmpdir(), "pipec-bad-store-"));
    try {
      writeFileSync(join(project, "art.yaml"), ARTIFACTS);
      expect(runPipec(["run", "art.yaml", "--executor", "local"], { cwd: project }).code).toBe(0);
      const digest = createHash("sha256").update("hello\n").digest("hex");
      const object = join(project, ".pipec", "store", "objects", digest.slice(0, 2), digest.slice(2));
      expect(existsSync(object)).toBe(true);
      chmodSync(object, 0o644);
      writeFileSync(object, "jello\n"); // same size, one byte off
      expect(runPipec(["artifacts", "verify"], { cwd: project }).code).toBe(1);

      const rerun = runPipec(["run", "art.yaml", "--executor", "local", "--no-cache"], { cwd: project });
      expect(rerun.stderr).not.toMatch(/integrity/);
      expect(rerun.code).toBe(0);
      expectAnswer(runPipec(["artifacts", "verify"], { cwd: project }), 0, /every object and artifact is intact/);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});
