/** End to end: `pipec artifacts ...` (the built binary) on a store filled through the library. */
import { chmodSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openArtifactStore } from "../../../runtime/artifacts/index.ts";
import { storeLayout } from "../../../runtime/artifacts/layout.ts";
import { noStackTrace, runPipec } from "../../cli/run-pipec.ts";
import { DAY, tempDir, writeTree } from "./helpers.ts";


/** A project whose `.pipec/store` holds `build.dist` (run-2), `build.old` (run-1, expired 9 days ago). */
async function project() {
  const dir = tempDir("pipec-artifacts-cli-");
  const ws = writeTree(tempDir(), { "dist/app.js": "app", "dist/run.sh": { content: "#!/bin/sh\n", mode: 0o755 }, "old/x.txt": "x" });
  const root = join(dir, ".pipec", "store");
  const past = openArtifactStore(root, { now: () => Date.now() - 10 * DAY });
  const old = await past.collect(ws, { paths: ["old"], expireInMs: DAY }, { name: "old", job: "build", runId: "run-1", pipeline: "web" });
  const dist = await openArtifactStore(root).collect(ws, { paths: ["dist"] }, { name: "dist", job: "build", runId: "run-2", pipeline: "web" });
  if (old.kind !== "stored" || dist.kind !== "stored") throw new Error("not stored");
  return { dir, root, old: old.record, dist: dist.record };
}

describe("pipec artifacts", () => {
  it("ls lists artifacts, newest first, as a table or JSON", async () => {
    const { dir, dist, old } = await project();
    const ls = runPipec(["artifacts", "ls"], { cwd: dir });
    expect(ls.code).toBe(0);
    const lines = ls.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+ID\s+RUN\s+SIZE\s+FILES\s+CREATED\s+EXPIRES$/);
    expect(lines[1]).toMatch(new RegExp(`^build\\.dist\\s+${dist.id.slice(0, 12)}\\s+run-2\\s+13 B\\s+2\\s+\\S+\\s+never$`));
    expect(lines[2]).toMatch(new RegExp(`^build\\.old\\s+${old.id.slice(0, 12)}\\s+run-1\\s+1 B\\s+1\\s+\\S+\\s+\\S+$`));
    const json = runPipec(["artifacts", "ls", "--json"], { cwd: dir });
    expect(JSON.parse(json.stdout).map((a: { id: string }) => a.id)).toEqual([dist.id, old.id]);
  });

  it("get restores by name or id prefix; an unknown artifact is a clear usage error", async () => {
    const { dir, old } = await project();
    const byName = runPipec(["artifacts", "get", "dist", "-o", "out"], { cwd: dir });
    expect(byName.code).toBe(0);
    expect(byName.stderr).toMatch(/^restored build\.dist \(\w{12}, run run-2\) from \.pipec\/store: 2 files, 13 B into out\n$/);
    expect(readFileSync(join(dir, "out", "dist", "app.js"), "utf8")).toBe("app");
    const byId = runPipec(["artifacts", "get", old.id.slice(0, 6), "-o", "out2"], { cwd: dir });
    expect(byId.code).toBe(0);
    expect(readFileSync(join(dir, "out2", "old", "x.txt"), "utf8")).toBe("x");
    expect(runPipec(["artifacts", "get", "build.old", "--run", "run-1", "-o", "out3"], { cwd: dir }).code).toBe(0);

    const unknown = runPipec(["artifacts", "get", "abc1", "-o", "x"], { cwd: dir });
    expect(unknown).toMatchObject({ code: 2, stderr: "pipec artifacts: no artifact abc1 in .pipec/store; pipec artifacts ls lists them\n" });
    const wrongRun = runPipec(["artifacts", "get", "dist", "--run", "run-9", "-o", "x"], { cwd: dir });
    expect(wrongRun).toMatchObject({ code: 2, stderr: "pipec artifacts: no artifact dist of run run-9 in .pipec/store; pipec artifacts ls lists them\n" });
    expect(runPipec(["artifacts", "gc", "--max-size", "lots"], { cwd: dir })).toMatchObject({ code: 2, stderr: "pipec artifacts: --max-size lots: expected a size like 10g, 500m or 2GiB\n" });
  });

  it("gc prints each deletion and why; pin keeps an artifact", async () => {
    const { dir, old } = await project();
    const dry = runPipec(["artifacts", "gc", "--dry-run"], { cwd: dir });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe(`would delete build.old ${old.id.slice(0, 12)} (run run-1): expired 9d ago\n`);
    expect(dry.stderr).toMatch(/^\.pipec\/store: would free \d+ B \(1 artifact, 2 unreferenced objects, 0 temp files\); \d+ B in use\n$/);

    expect(runPipec(["artifacts", "pin", old.id.slice(0, 8)], { cwd: dir }).stderr).toBe(`pinned build.old ${old.id.slice(0, 12)} (run run-1) in .pipec/store\n`);
    expect(runPipec(["artifacts", "ls"], { cwd: dir }).stdout).toMatch(/build\.old .*pinned\n/);
    const pinned = runPipec(["artifacts", "gc"], { cwd: dir });
    expect(pinned.stdout).toBe(`kept build.old ${old.id.slice(0, 12)}: pinned (else: expired 9d ago)\n`);

    runPipec(["artifacts", "pin", "--off", "build.old"], { cwd: dir });
    const gc = runPipec(["artifacts", "gc", "--keep-runs", "5", "--max-age", "30d"], { cwd: dir });
    expect(gc.stdout).toBe(`deleted build.old ${old.id.slice(0, 12)} (run run-1): expired 9d ago\n`);
    expect(runPipec(["artifacts", "ls", "--json"], { cwd: dir }).stdout).not.toContain(old.id);
  });

  it("verify exits 1 listing each problem, and get fails on a damaged artifact without a stack trace", async () => {
    const { dir, root, dist } = await project();
    expect(runPipec(["artifacts", "verify"], { cwd: dir })).toMatchObject({ code: 0, stderr: ".pipec/store: every object and artifact is intact\n" });
    const store = openArtifactStore(root);
    let digest = "";
    for await (const entry of store.files(dist.id)) if (entry.path === "dist/app.js" && entry.kind === "file") digest = entry.digest;
    const object = storeLayout(root).object(digest);
    chmodSync(object, 0o644);
    writeFileSync(object, "APP");

    const get = runPipec(["artifacts", "get", "dist", "-o", "out"], { cwd: dir });
    expect(get.code).toBe(1);
    expect(get.stderr).toContain(`pipec artifacts: artifact build.dist (${dist.id.slice(0, 12)}) failed its integrity check: dist/app.js: expected sha256 ${digest}, got sha256 `);
    noStackTrace(get.stderr);
    // A new -o folder is all or nothing: no half a tree, no staging folder left beside it.
    expect(readdirSync(dir).filter((name) => name.startsWith("out"))).toEqual([]);

    writeFileSync(object, "APP");
    const verify = runPipec(["artifacts", "verify"], { cwd: dir });
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(new RegExp(`^corrupt-object: artifact build\\.dist \\(${dist.id.slice(0, 12)}, run run-2\\): dist/app\\.js: expected sha256 ${digest}, got [0-9a-f]{64}\\n$`));
    expect(verify.stderr).toContain(".pipec/store: 1 problem;");
  });
});
