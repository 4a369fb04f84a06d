/**
 * Snapshots, cached runs and run retention as a user meets them, with the real `pipec` on projects
 * in temporary folders (local executor: the file work is what is tested, not containers).
 */
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openArtifactStore } from "../../runtime/artifacts/index.ts";
import { PIPEC, runPipec } from "./run-pipec.ts";

const folders: string[] = [];
afterAll(() => folders.forEach((folder) => rmSync(folder, { recursive: true, force: true })));

function project(pipeline: string, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "pipec-snapshots-"));
  folders.push(dir);
  writeFileSync(join(dir, "pipeline.yaml"), pipeline);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const events = (stdout: string) => stdout.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as Record<string, unknown>);
const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

describe("job workspaces", () => {
  it("a job writing into its workspace changes neither the project, the snapshot, the store nor another job's files (checked by hash)", async () => {
    const dir = project(
      `name: iso
image: busybox:1.36
jobs:
  mutate:
    steps:
      - echo changed > data.txt; chmod 777 data.txt; rm keep.txt; echo mutated
  reader:
    steps:
      - sleep 1; cat data.txt; test -e keep.txt && echo keep-present
  after:
    depends_on: mutate
    steps:
      - cat data.txt; test -e keep.txt && echo keep-present
`,
      { "data.txt": "original\n", "keep.txt": "keep\n" },
    );
    chmodSync(join(dir, "data.txt"), 0o644);
    const before = sha256(join(dir, "data.txt"));
    const result = runPipec(["run", "pipeline.yaml", "--executor", "local", "--json", "--no-cache"], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const logs = (job: string) => events(result.stdout).filter((e) => e.type === "job.log" && e.job === job).map((e) => e.text);
    expect(logs("mutate")).toEqual(["mutated"]);
    expect(logs("reader")).toEqual(["original", "keep-present"]);
    expect(logs("after")).toEqual(["original", "keep-present"]);
    expect(sha256(join(dir, "data.txt"))).toBe(before);
    const store = openArtifactStore(join(dir, ".pipec", "store"));
    expect(await store.verify()).toEqual([]);
    const [snapshot] = (await store.list()).filter((a) => a.job === "(project)");
    const entries = [];
    for await (const entry of store.files(snapshot!.id)) entries.push(entry);
    expect(entries).toContainEqual({ path: "data.txt", kind: "file", mode: 0o644, size: 9, digest: before });
    expect(entries.map((e) => e.path)).toContain("keep.txt");
  });

  it("a project file pipec cannot read fails the run before anything runs, naming it, and leaves no run behind", () => {
    const dir = project(`name: x\nimage: busybox:1.36\njobs:\n  a:\n    steps:\n      - echo hi\n`, { "secret.txt": "s\n" });
    chmodSync(join(dir, "secret.txt"), 0o000);
    const root = process.getuid?.() === 0;
    // root reads every file: run pipec as nobody, in a project nobody may write to.
    if (root) {
      execFileSync("chmod", ["-R", "a+rwX", dir]);
      chmodSync(join(dir, "secret.txt"), 0o000);
    }
    const command = root ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "env", "HOME=/tmp", process.execPath, PIPEC] : [process.execPath, PIPEC];
    const result = spawnSyncText(command, ["run", "pipeline.yaml", "--executor", "local"], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("pipec run: cannot read secret.txt: permission denied; make it readable (chmod +r), or leave it out of the project (.gitignore)\n");
    expect(readdirSync(join(dir, ".pipec", "runs"))).toEqual([]);
  });
});

describe("cached runs and retention", () => {
  it("a gc during a run keeps what the live run and the job cache use; a cached job's log is the run's that ran it", async () => {
    const dir = project(
      `name: demo
image: busybox:1.36
jobs:
  make:
    cache_key:
      files: ["src/**"]
    steps:
      - mkdir -p out; cat src/a.txt > out/a.txt; echo made it
    artifacts:
      out:
        paths: [out/]
  slow:
    inputs: [make.out]
    steps:
      - echo sleeping; sleep 3; cat out/a.txt
`,
      { "src/a.txt": "from a\n", "notes.txt": "v1\n" },
    );
    const run = (...extra: string[]) => runPipec(["run", "pipeline.yaml", "--executor", "local", ...extra], { cwd: dir });
    expect(run().code).toBe(0);
    const firstRun = runPipec(["runs", "--json"], { cwd: dir }).stdout;
    const [first] = JSON.parse(firstRun) as { id: string }[];
    expect(run().code).toBe(0);
    writeFileSync(join(dir, "notes.txt"), "v2\n");

    // A third run: make is a hit (notes.txt is outside src/**), slow runs; gc while it sleeps.
    const live = spawn(process.execPath, [PIPEC, "run", "pipeline.yaml", "--executor", "local", "--json"], { cwd: dir });
    let out = "";
    live.stdout.on("data", (d: Buffer) => (out += d.toString()));
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => out.includes("sleeping") && (clearInterval(poll), resolve()), 50);
    });
    const liveId = (events(out)[0] as { runId: string }).runId;
    const refused = runPipec(["runs", "rm", liveId], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`kept run ${liveId}: it is running`);
    const gc = runPipec(["runs", "gc", "--keep", "1"], { cwd: dir });
    expect(gc.code, gc.stderr).toBe(0);
    expect(gc.stdout).toMatch(/removed run \S+: not among the last 1 runs of pipeline demo/);
    expect(gc.stderr).toContain(`kept run ${first!.id}: run ${liveId} shows its logs for cached jobs`);
    const code = await new Promise<number | null>((resolve) => live.on("exit", resolve));
    expect(code).toBe(0);
    const liveEvents = events(out);
    expect(liveEvents.find((e) => e.type === "job.cache" && e.job === "make")).toMatchObject({ hit: true, fromRun: first!.id });
    expect(liveEvents.filter((e) => e.type === "job.log" && e.job === "slow").map((e) => e.text)).toEqual(["sleeping", "from a"]);
    expect(await openArtifactStore(join(dir, ".pipec", "store")).verify()).toEqual([]);

    // Everything cached now; logs of the fully cached run are the runs' that ran the jobs.
    const cached = run("--json");
    expect(events(cached.stdout).filter((e) => e.type === "job.cache" && e.hit).map((e) => e.job).sort()).toEqual(["make", "slow"]);
    const logs = runPipec(["logs", "last"], { cwd: dir });
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain(`=== make (cached: the log of run ${first!.id})`);
    expect(logs.stdout).toContain("made it");
    expect(logs.stdout).toContain(`=== slow (cached: the log of run ${liveId})`);
    expect(logs.stdout).toContain("from a");
    expect(runPipec(["runs", "rm", "last"], { cwd: dir }).code).toBe(0);
    expect(existsSync(join(dir, ".pipec", "runs", liveId))).toBe(true);
  }, 120_000);
});

function spawnSyncText(command: readonly string[], args: readonly string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(command[0]!, [...command.slice(1), ...args], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
    return { code: 0, stdout, stderr: "" };
  } catch (error) {
    const e = error as { status: number | null; stdout: string; stderr: string };
    return { code: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}
