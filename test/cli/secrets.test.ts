/**
 * Secrets end to end through the real binary and the real Docker engine: a --secrets-file inside the
 * project never reaches a job or the run's snapshot, a value too short to mask is refused before
 * anything runs, and job-cache records hold a keyed digest of secret values, never the values.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerGate, TEST_IMAGES } from "../setup/require-docker.ts";
import { runPipec } from "./run-pipec.ts";

const docker = await dockerGate("secrets (docker)");
const projects: string[] = [];
afterAll(() => projects.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const events = (stdout: string) => stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown> & { type: string });
/** The paths in a run's project snapshot: its manifest in the store (artifact `(project).snapshot` of the run). */
function snapshotPaths(dir: string, runId: string): string[] {
  const store = join(dir, ".pipec", "store");
  const records = allFiles(join(store, "artifacts")).map((path) => JSON.parse(readFileSync(path, "utf8")) as { job: string; runId: string; manifest: string });
  const record = records.find((r) => r.job === "(project)" && r.runId === runId)!;
  const manifest = readFileSync(join(store, "objects", record.manifest.slice(0, 2), record.manifest.slice(2)), "utf8");
  return manifest.trim().split("\n").slice(1).map((line) => (JSON.parse(line) as { path: string }).path);
}

const allFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));

/** A project whose `reader` job names no secret and checks `absent` are not there, and `user` names TOKEN; `git`: inside a work tree. */
function project(git: boolean, absent: readonly string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), "pipec-secrets-"));
  projects.push(dir);
  writeFileSync(
    join(dir, "ci.yaml"),
    `name: secrets
image: ${TEST_IMAGES.busybox}
secrets: [TOKEN]
jobs:
  reader:
    steps:
      - ls -a . config
      - test -d . ${absent.map((path) => `&& test ! -e ${path}`).join(" ")}
  user:
    secrets: [TOKEN]
    steps:
      - echo "token=$TOKEN"
`,
  );
  mkdirSync(join(dir, "config"));
  writeFileSync(join(dir, "config", "keep.txt"), "kept\n");
  if (git) execFileSync("git", ["init", "-q"], { cwd: dir });
  return dir;
}

describe.runIf(docker.run)("secrets (docker)", () => {
  beforeAll(docker.assertAvailable);

  it.each([
    { git: true, file: "secrets.env", absent: ["secrets.env"], value: "file-secret-value-1" },
    { git: false, file: "secrets.env", absent: ["secrets.env"], value: "file-secret-value-1" },
    // The file named through a link: what counts is the file, not the name.
    { git: true, file: "linked.env", absent: ["linked.env", "config/more.env"], value: "file-secret-value-2" },
  ])("a --secrets-file inside the project ($file) reaches no job and no snapshot (git work tree: $git)", ({ git, file, absent, value }) => {
    const dir = project(git, absent);
    writeFileSync(join(dir, "config", "more.env"), "TOKEN=file-secret-value-2\n");
    writeFileSync(join(dir, "secrets.env"), "TOKEN=file-secret-value-1\n");
    symlinkSync("config/more.env", join(dir, "linked.env"));
    {
      const result = runPipec(["run", "ci.yaml", "--executor", "docker", "--json", "--secrets-file", file, "--no-cache"], { cwd: dir });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const all = events(result.stdout);
      expect(all.filter((e) => e.type === "job.log" && e.job === "user").map((e) => e.text)).toContain("token=***");
      const snapshot = snapshotPaths(dir, all[0]!.runId as string);
      expect(snapshot).toContain("config/keep.txt");
      for (const path of absent) expect(snapshot).not.toContain(path);
      for (const path of allFiles(join(dir, ".pipec"))) expect(readFileSync(path, "utf8"), path).not.toContain(value);
    }
  });

  it.each([
    { value: "q7", what: "two characters" },
    { value: " x ", what: "one character between spaces" },
    { value: "-----BEGIN KEY-----\\nzq\\n-----END KEY-----", what: "a multi-line value with a short line" },
  ])("a secret too short to mask ($what) is refused before anything runs: exit 2, in words", ({ value }) => {
    const dir = project(true);
    const result = runPipec(["run", "ci.yaml", "--executor", "docker", "--json"], { cwd: dir, env: { TOKEN: value.replaceAll("\\n", "\n") } });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "pipec run: secret TOKEN: a value (or a line of a multi-line value) shorter than 3 characters cannot be masked in logs; use a longer value, or leave it unset if the job does not need it\n",
    );
    expect(result.stdout).toBe("");
    expect(existsSync(join(dir, ".pipec", "runs"))).toBe(false);
  });

  it("job-cache records hold a keyed digest of a secret, never its value; a new value is a miss naming the variable", () => {
    const dir = project(true);
    const run = (token: string) => {
      const result = runPipec(["run", "ci.yaml", "--executor", "docker", "--json", "--explain-cache"], { cwd: dir, env: { TOKEN: token } });
      expect(result.code, result.stderr).toBe(0);
      return events(result.stdout).filter((e) => e.type === "job.cache" && e.job === "user")[0]!;
    };
    expect(run("abc")).toMatchObject({ hit: false });
    expect(run("abc")).toMatchObject({ hit: true });
    expect(run("abd")).toMatchObject({ hit: false, changed: ["env TOKEN"] });
    const store = join(dir, ".pipec", "store");
    const records = allFiles(join(store, "cache")).map((path) => readFileSync(path, "utf8"));
    const parts = records.map((text) => JSON.parse(text) as { data: { parts?: Record<string, string> } | null }).find((entry) => entry.data?.parts?.["env TOKEN"]);
    expect(parts?.data?.parts?.["env TOKEN"]).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    for (const text of records) expect(text).not.toMatch(/"ab[cd]"/);
    // Keyed: a plain sha256 of the value, which guessing would find, is not what is kept.
    expect(records.join("")).not.toContain(createHash("sha256").update("abd").digest("hex"));
    expect(readFileSync(join(store, "hash-key")).length).toBe(32);
  });
});
