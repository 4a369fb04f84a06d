/**
 * Artifacts a job makes on purpose or by accident, end to end through the real binary and the real
 * Docker engine: symlink chains across artifacts, damaged objects of cached producers, odd file names,
 * special files in the store and outputs over the size limits.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerGate, TEST_IMAGES } from "../setup/require-docker.ts";
import { runPipec, type PipecResult } from "./run-pipec.ts";

const docker = await dockerGate("hostile artifacts (docker)");
const projects: string[] = [];
afterAll(() => projects.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

type Event = Record<string, unknown> & { type: string };
const events = (stdout: string): Event[] => stdout.trim().split("\n").map((line) => JSON.parse(line) as Event);
const finished = (result: PipecResult) => Object.fromEntries(events(result.stdout).filter((e) => e.type === "job.finished").map((e) => [e.job, e]));

function project(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), "pipec-hostile-"));
  projects.push(dir);
  writeFileSync(join(dir, "ci.yaml"), `name: hostile\nimage: ${TEST_IMAGES.busybox}\n${yaml}`);
  return dir;
}
const run = (dir: string, ...args: string[]) => runPipec(["run", "ci.yaml", "--executor", "docker", "--json", ...args], { cwd: dir });
const runWith = (dir: string, env: NodeJS.ProcessEnv) => runPipec(["run", "ci.yaml", "--executor", "docker", "--json"], { cwd: dir, env });
/** The store objects (under .pipec/store/objects) whose bytes are the line `text` (the project's own files are in the store too, as the run's snapshot). */
const objectsHolding = (dir: string, text: string) =>
  readdirSync(join(dir, ".pipec", "store", "objects"), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => readFileSync(path, "utf8") === `${text}\n`);

/**
 * `make` stores `text` as out/f.txt, `use` prints it; after one run, returns the store object holding
 * it. `use` names a secret: a new TOKEN makes it a miss while `make` stays a hit.
 */
function producerAndConsumer(text: string): { dir: string; object: string } {
  const dir = project(`secrets: [TOKEN]
jobs:
  make:
    steps: [mkdir -p out && echo ${text} > out/f.txt]
    artifacts: { data: out/ }
  use:
    inputs: [make.data]
    secrets: [TOKEN]
    steps: [cat out/f.txt]
`);
  expect(runWith(dir, { TOKEN: "first-value" }).code).toBe(0);
  const [object] = objectsHolding(dir, text);
  if (object === undefined) throw new Error(`no store object holds ${text}`);
  return { dir, object };
}

describe.runIf(docker.run)("hostile artifacts (docker)", () => {
  beforeAll(docker.assertAvailable);

  it("two artifacts that chain symlinks out of the workspace (out/a -> .., out/b -> a/..) are refused, in either order", () => {
    const dir = project(`jobs:
  up:
    steps: [mkdir -p out && ln -s .. out/a]
    artifacts: { upper: out/a }
  down:
    steps: [mkdir -p out && ln -s a/.. out/b]
    artifacts: { lower: out/b }
  eat:
    inputs: [up.upper, down.lower]
    steps: [ls out/b/]
  eat-reversed:
    inputs: [down.lower, up.upper]
    steps: [ls out/b/]
`);
    const result = run(dir);
    expect(result.code).toBe(1);
    const jobs = finished(result);
    for (const consumer of ["eat", "eat-reversed"]) {
      expect(jobs[consumer]).toMatchObject({
        status: "failed",
        reason: "input down.lower: artifact down.lower: symlink out/b -> a/.. is refused: it goes up ('..') after a name, which resolves through whatever that name is; nothing is written outside the destination",
      });
    }
  });

  it("a damaged object of a cached producer drops the producer's cache entry, so the next run makes it again", () => {
    const { dir, object } = producerAndConsumer("hello-data");
    chmodSync(object, 0o644);
    writeFileSync(object, "damaged\n");

    const damaged = runWith(dir, { TOKEN: "second-value" });
    expect(damaged.code).toBe(1);
    const jobs = finished(damaged);
    expect(jobs.make).toMatchObject({ status: "success" });
    expect(jobs.use).toMatchObject({ status: "failed" });
    expect(jobs.use!.reason).toMatch(/^input make\.data: artifact make\.data \([0-9a-f]{12}\) failed its integrity check: out\/f\.txt: expected sha256 [0-9a-f]{64}, got sha256 [0-9a-f]{64} \(8 bytes instead of 11\)\..* \(its job-cache entry is dropped: the next run runs make again\)$/);

    const again = runWith(dir, { TOKEN: "third-value" });
    expect(again.code, again.stdout).toBe(0);
    const cache = events(again.stdout).filter((e) => e.type === "job.cache");
    expect(cache.find((e) => e.job === "make")).toMatchObject({ hit: false });
    expect(events(again.stdout)).toContainEqual(expect.objectContaining({ type: "job.log", job: "use", text: "hello-data" }));
  });

  it("a store object replaced by a FIFO fails its consumer at once, naming it, and the next run heals it", () => {
    const { dir, object } = producerAndConsumer("fifo-data");
    rmSync(object);
    execFileSync("mkfifo", [object]);

    const blocked = runWith(dir, { TOKEN: "second-value" });
    expect(blocked.code, "pipec hung on the FIFO (killed by the test's timeout)").toBe(1);
    expect(finished(blocked).use!.reason).toMatch(/^input make\.data: artifact make\.data \([0-9a-f]{12}\) failed its integrity check: out\/f\.txt: expected sha256 [0-9a-f]{64}, the stored object is a FIFO, not a regular file\./);
    const healed = runWith(dir, { TOKEN: "third-value" });
    expect(healed.code).toBe(0);
    expect(events(healed.stdout)).toContainEqual(expect.objectContaining({ type: "job.log", job: "use", text: "fifo-data" }));
  });

  it("an output file named with a backslash is stored and restored under its name; a name that is not UTF-8 is refused in words", () => {
    const dir = project(`jobs:
  back:
    steps: ['mkdir -p out && echo back-data > "out/a\\\\b.txt"']
    artifacts: { data: out/ }
  use-back:
    inputs: [back.data]
    steps: ['cat "out/a\\\\b.txt"']
  latin1:
    steps: ['mkdir -p out && echo y > "out/$(printf "caf\\351")"']
    artifacts: { data: out/ }
`);
    const result = run(dir);
    expect(result.code).toBe(1);
    const jobs = finished(result);
    expect(jobs.back).toMatchObject({ status: "success" });
    expect(jobs["use-back"]).toMatchObject({ status: "success" });
    expect(events(result.stdout)).toContainEqual(expect.objectContaining({ type: "job.log", job: "use-back", text: "back-data" }));
    expect(jobs.latin1).toMatchObject({
      status: "failed",
      reason: "output data: output latin1.data: the name of out/caf\uFFFD is not valid UTF-8 (\uFFFD marks the bytes), which an artifact cannot hold; rename the file in the job, or exclude it from the output",
    });
  });

  it("an output over the default limit (5 GiB, here a sparse file) fails its job in words before a byte is stored", () => {
    const dir = project(`jobs:
  huge:
    steps: [mkdir -p out && truncate -s 6442450944 out/sparse.img && echo small > out/small.txt]
    artifacts: { disk: out/ }
`);
    const result = run(dir);
    expect(result.code).toBe(1);
    expect(finished(result).huge).toMatchObject({
      status: "failed",
      reason:
        "output disk: output huge.disk holds more than 5.0 GiB (over the limit at out/sparse.img): the limit per output; raise it with pipec run --max-output-size, or leave the big files out of the output (exclude)",
    });
    const objects = readdirSync(join(dir, ".pipec", "store", "objects"), { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
    expect(objects.every((entry) => statSync(join(entry.parentPath, entry.name)).size < 1024)).toBe(true);
  });

  it("--max-output-size and --max-run-output-size set the limits; the run's limit counts what earlier outputs stored", () => {
    const dir = project(`jobs:
  first:
    steps: [mkdir -p out && head -c 1572864 /dev/zero > out/a.bin]
    artifacts: { a: out/ }
  second:
    depends_on: [first]
    steps: [mkdir -p out && head -c 1572864 /dev/urandom > out/b.bin]
    artifacts: { b: out/ }
`);
    const perOutput = run(dir, "--no-cache", "--max-output-size", "1m");
    expect(finished(perOutput).first).toMatchObject({
      status: "failed",
      reason: "output a: output first.a holds more than 1.0 MiB (over the limit at out/a.bin): the limit per output; raise it with pipec run --max-output-size, or leave the big files out of the output (exclude)",
    });
    const perRun = run(dir, "--no-cache", "--max-run-output-size", "2m");
    expect(finished(perRun).first).toMatchObject({ status: "success" });
    expect(finished(perRun).second).toMatchObject({
      status: "failed",
      reason:
        "output b: output second.b holds more than 512.0 KiB (over the limit at out/b.bin): what is left of the run's limit of 2.0 MiB for all outputs (1.5 MiB stored by earlier outputs); raise it with pipec run --max-run-output-size, or leave the big files out of the output (exclude)",
    });
    const both = run(dir, "--no-cache", "--max-output-size", "2m", "--max-run-output-size", "4m");
    expect(both.code).toBe(0);
    const bad = runPipec(["run", "ci.yaml", "--max-output-size", "lots"], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("pipec run: --max-output-size lots: expected a size like 500m, 10g or 2GiB\n");
  });
});
