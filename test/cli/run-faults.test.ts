/**
 * End to end, through the real binary: a run whose pipec is killed hard, and a run on a disk that
 * fills up. Each loses at most the job in flight, says what happened, and resumes.
 *
 * The full disk is a real 3 MiB tmpfs, which only root can mount: in CI (root, `CI` set) that test
 * must run; elsewhere it skips when pipec's tests do not run as root.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openAppendFile } from "../../runtime/run/whole-append.ts";
import { dockerRequired } from "../setup/require-docker.ts";
import { PIPEC, runPipec, runPipecAsync } from "./run-pipec.ts";

const folders: string[] = [];
afterAll(() => folders.forEach((folder) => rmSync(folder, { recursive: true, force: true })));
const project = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  folders.push(dir);
  return dir;
};
const runIdOf = (text: string) => /run (\d{8}-\d{6}-[0-9a-f]{4})/.exec(text)![1]!;

describe("a run killed with SIGKILL", () => {
  it("keeps the jobs that succeeded: pipec runs says killed, the next run says what happened, --resume runs only the rest", async () => {
    const dir = project("pipec-killed-");
    const flag = join(dir, "go-on");
    const count = join(dir, "first-ran");
    writeFileSync(
      join(dir, "pipeline.yaml"),
      `name: killed
image: busybox:1.36
jobs:
  first:
    steps:
      - echo ran >> ${count}; mkdir -p out; echo made-by-first > out/file.txt
    artifacts:
      made: { paths: out/** }
  second:
    depends_on: [first]
    inputs: [first.made]
    steps:
      - test -f ${flag} || { echo sleeping; sleep 60; }
      - cat out/file.txt
`,
    );
    const child = spawn(process.execPath, [PIPEC, "run", "--executor", "local"], { cwd: dir, env: { ...process.env, NO_COLOR: "1" } });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise((resolve) => child.on("exit", resolve));
    const deadline = Date.now() + 30_000;
    while (!out.includes("[second] sleeping")) {
      if (Date.now() > deadline) throw new Error(`the second job did not start: ${out}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill("SIGKILL");
    await exited;
    const runId = runIdOf(out);

    expect(runPipec(["runs"], { cwd: dir }).stdout).toMatch(new RegExp(`${runId}\\s+killed\\s`));
    writeFileSync(flag, "");
    const resumed = runPipec(["run", "--resume", runId, "--executor", "local"], { cwd: dir });
    expect(resumed.stderr).toContain(`run ${runId} was killed (pipec's process disappeared) after job first succeeded; pipec run --resume ${runId} continues it`);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain("[second] made-by-first");
    expect(resumed.stdout).not.toContain("[first] started");
    expect(readFileSync(count, "utf8")).toBe("ran\n");
    const killed = JSON.parse(readFileSync(join(dir, ".pipec", "runs", runId, "state.json"), "utf8"));
    expect(killed).toMatchObject({ status: "cancelled", jobs: { first: { status: "success" } } });
    expect(Object.keys(killed.jobs.first.outputs)).toEqual(["made"]);
  }, 90_000);
});

const root = process.getuid?.() === 0;

describe.runIf(root || dockerRequired())("a run on a disk that fills up (a 3 MiB tmpfs)", () => {
  let mount: string | undefined;
  afterAll(async () => {
    if (!mount) return;
    // pipec's detached remover empties .pipec/trash after each run: the file system is busy until it has.
    for (let tries = 0; ; tries++) {
      try {
        execFileSync("umount", [mount], { stdio: "pipe" });
        return;
      } catch (error) {
        if (tries >= 40) throw error;
        await new Promise((done) => setTimeout(done, 250));
      }
    }
  }, 30_000);
  const fullDisk = () => {
    expect(root, "mounting a tmpfs needs root; CI runs as root").toBe(true);
    mount = project("pipec-full-disk-");
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=3m", "tmpfs", mount]);
    return mount;
  };

  it("goes on when output does not fit, keeps every record whole, writes its state, and resumes", async () => {
    const dir = fullDisk();
    const work = join(dir, "project");
    mkdirSync(work);
    writeFileSync(
      join(work, "pipeline.yaml"),
      `name: full
image: busybox:1.36
jobs:
  quiet:
    steps: [echo quiet]
  loud:
    depends_on: [quiet]
    steps:
      - head -c 4000000 /dev/zero | tr '\\0' x | fold -w 100
  after:
    depends_on: [loud]
    steps: [echo after]
  broken:
    depends_on: [after]
    steps: [exit 3]
`,
    );
    // Asynchronously: the 4 MB the loud job prints is more than spawnSync collects.
    const result = await runPipecAsync(["run", "--executor", "local"], { cwd: work });
    const runId = runIdOf(result.stderr);
    const runFolder = join(work, ".pipec", "runs", runId);
    // The loud job's output filled the disk: that is said, and the job still succeeded on its own merits.
    expect(result.stderr).toContain(`could not keep all of logs/loud.log in ${runFolder}: the disk is full; output that did not fit is missing from it, the run went on`);
    expect(result.stdout).not.toContain("ENOSPC");
    expect(result.stderr).toMatch(/loud\s+success/);
    expect(result.stderr).toMatch(/after\s+success/);
    expect(result.stderr).toMatch(/broken\s+failed.*exit 3/);
    expect(result.code).toBe(1);
    // Every line of the events is whole JSON, and the end is recorded.
    const lines = readFileSync(join(runFolder, "events.jsonl"), "utf8").split("\n");
    expect(lines.at(-1)).toBe("");
    for (const line of lines.slice(0, -1)) expect(() => JSON.parse(line)).not.toThrow();
    expect(JSON.parse(lines.at(-2)!)).toMatchObject({ type: "run.finished", status: "failed" });
    expect(readdirSync(runFolder).filter((name) => name.endsWith(".tmp"))).toEqual([]);
    expect(JSON.parse(readFileSync(join(runFolder, "state.json"), "utf8"))).toMatchObject({ status: "failed", jobs: { loud: { status: "success" }, broken: { status: "failed" } } });
    expect(runPipec(["runs"], { cwd: work }).stdout).toMatch(new RegExp(`${runId}\\s+failed\\s`));

    // Had state.json not been written at all, the events would tell the same: --resume keeps the three that succeeded.
    rmSync(join(runFolder, "state.json"));
    rmSync(join(runFolder, "logs"), { recursive: true });
    const resumed = runPipec(["run", "--resume", runId, "--executor", "local"], { cwd: work });
    expect(resumed.stdout).not.toContain("[loud] started");
    expect(resumed.stderr).toMatch(/broken\s+failed/);
    expect(resumed.stderr).toContain(`run ${runId} ended failed but could not record it (state.json missing); its state is recovered from its events`);
  }, 120_000);

  it("cuts a record that does not fit back to where it began, so the file never ends mid-line", () => {
    const file = join(mount!, "records.jsonl");
    const filler = join(mount!, "filler");
    try {
      execFileSync("sh", ["-c", `head -c 8000000 /dev/zero > ${filler} || true`]);
      const appender = openAppendFile(file);
      let fitted = 0;
      let refused: NodeJS.ErrnoException | undefined;
      const record = `${JSON.stringify({ pad: "y".repeat(3000) })}\n`;
      // Frees a little room, then writes records until one does not fit: that one must leave no trace.
      rmSync(filler);
      execFileSync("sh", ["-c", `head -c $(( $(stat -f -c '%a*%S' ${mount}) - 20000 )) /dev/zero > ${filler}`]);
      for (let i = 0; i < 100 && !refused; i++) {
        try {
          appender.append(record);
          fitted++;
        } catch (cause) {
          refused = cause as NodeJS.ErrnoException;
        }
      }
      appender.close();
      expect(refused?.code).toBe("ENOSPC");
      expect(fitted).toBeGreaterThan(0);
      expect(readFileSync(file, "utf8")).toBe(record.repeat(fitted));
    } finally {
      rmSync(filler, { force: true });
      if (existsSync(file)) rmSync(file);
    }
  });
});
