/**
 * DORA metrics end to end through the real binary: a git repository made here, with commits at set
 * author dates (GIT_AUTHOR_DATE), deployed by `pipec run` (a kept canary of a host process, no Docker
 * needed): a first deploy, a healthy change, a change whose analysis fails (rolled back by itself), a
 * fix, then `pipec deploy undo`. `pipec metrics dora` then counts exactly those.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDeliveryHistory } from "../../runtime/deploy/history/index.ts";
import { freePort } from "../../runtime/deploy/router/listen-address.ts";
import type { DoraReport } from "../../runtime/metrics/index.ts";
import { noStackTrace, runPipec, runPipecAsync } from "./run-pipec.ts";
import { stopSupervisor } from "./supervised-helpers.ts";
import { writeCanaryProject } from "./canary-project.ts";

const HOUR = 3_600_000;

describe("pipec metrics dora on a real repository and real deployments", () => {
  let dir: string;
  const authored: string[] = [];

  /** Commits everything, authored `hoursAgo` before now. */
  const commit = (message: string, hoursAgo: number) => {
    // Git keeps whole seconds.
    const date = new Date(Math.floor((Date.now() - hoursAgo * HOUR) / 1000) * 1000).toISOString();
    authored.push(date);
    execFileSync("git", ["add", "-A"], { cwd: dir });
    execFileSync("git", ["commit", "-q", "-m", message], { cwd: dir, env: { ...process.env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } });
    return execFileSync("git", ["rev-parse", "HEAD"], { cwd: dir, encoding: "utf8" }).trim();
  };
  const deploy = async (version: string, code: number) => {
    const result = await runPipecAsync(["run", "ship.pipeline.ts", "--executor", "local", "--no-typecheck", "--var", `APP_VERSION=${version}`], { cwd: dir });
    expect(result.code, result.stdout + result.stderr).toBe(code);
    return result;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "pipec-dora-e2e-"));
    const port = await freePort();
    execFileSync("git", ["init", "-q", "-b", "main"], { cwd: dir });
    execFileSync("git", ["config", "user.email", "dev@example.com"], { cwd: dir });
    execFileSync("git", ["config", "user.name", "Dev"], { cwd: dir });
    writeFileSync(join(dir, ".gitignore"), ".pipec/\n");
    // The analysis fails while the commit holds a file named BROKEN: a change that must roll back.
    writeCanaryProject(dir, {
      port,
      options: [`abortScaleDownDelay: "0s",`],
      steps: `[{ setWeight: 50 }, { analysis: { metrics: [{ name: "smoke", provider: { command: { run: ["sh", "-c", "test -f BROKEN && echo 1 || echo 0"] } }, threshold: { max: 0 } }] } }]`,
    });
  });
  afterAll(async () => {
    await stopSupervisor(dir, "web");
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("counts promotions, lead time from author dates, the rolled-back and the undone change, and their restores", async () => {
    const shas = [commit("first", 5)];
    await deploy("v1", 0);
    writeFileSync(join(dir, "CHANGES"), "v2\n");
    shas.push(commit("second", 4));
    await deploy("v2", 0);
    writeFileSync(join(dir, "BROKEN"), "yes\n");
    shas.push(commit("broken", 3));
    const bad = await deploy("v3", 1);
    expect(bad.stdout + bad.stderr).toMatch(/rolled back/);
    rmSync(join(dir, "BROKEN"));
    shas.push(commit("fix", 2));
    await deploy("v4", 0);
    const undo = runPipec(["deploy", "undo", "web"], { cwd: dir });
    expect(undo.code, undo.stdout + undo.stderr).toBe(0);

    // The history holds each revision's commit and delivery times.
    const history = readDeliveryHistory(dir, "web");
    expect(history.map((r) => [r.revision, r.kind, r.status, r.commit?.sha])).toEqual([
      [1, "rollout", "healthy", shas[0]],
      [2, "rollout", "healthy", shas[1]],
      [3, "rollout", "degraded", shas[2]],
      [4, "rollout", "healthy", shas[3]],
      [5, "undo", "healthy", shas[1]],
    ]);
    expect(history.map((r) => r.commit?.authoredAt)).toEqual([authored[0], authored[1], authored[2], authored[3], authored[1]]);
    expect(history.every((r) => r.commit?.branch === "main")).toBe(true);
    const [, , broken, fix, back] = history;
    expect(broken!.rolledBackAt).not.toBeNull();
    expect(broken!.recoveredAt).toBe(fix!.promotedAt);
    expect(fix!.rolledBackAt).toBe(back!.startedAt);
    expect(fix!.recoveredAt).toBe(back!.promotedAt);

    const json = runPipec(["metrics", "dora", "--json"], { cwd: dir });
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as DoraReport;
    expect(report.all).toBeNull();
    const web = report.deployments[0]!;
    expect(web.deployment).toBe("web");
    expect(web.deploymentFrequency).toMatchObject({ deployments: 3, days: 30, band: "medium" });
    // Lead times of 5 h, 4 h and 2 h (plus the minutes this test took): the median is 4 h and a bit.
    expect(web.leadTime).toMatchObject({ changes: 3, withoutCommit: 0, band: "elite" });
    expect(web.leadTime.medianMs).toBeGreaterThanOrEqual(4 * HOUR);
    expect(web.leadTime.medianMs).toBeLessThan(4 * HOUR + 10 * 60_000);
    expect(web.changeFailureRate).toMatchObject({ deployments: 4, failed: 1, undone: 1, cancelled: 0, rate: 0.5, band: "low" });
    expect(web.timeToRestore).toMatchObject({ failures: 2, restored: 2, unrestored: 0, band: "elite" });
    expect(web.timeToRestore.medianMs).toBeLessThan(10 * 60_000);

    const text = runPipec(["metrics", "dora"], { cwd: dir });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/deployment web\n/);
    expect(text.stdout).toMatch(/deployment frequency +3\/month +\[medium\]\n +3 promoted rollout\(s\) in 30 day\(s\)/);
    expect(text.stdout).toMatch(/lead time for changes +4\.\d h median +\[elite\]\n +3 change\(s\)/);
    expect(text.stdout).toMatch(/change failure rate +50% +\[low\]\n +2 of 4 rollout\(s\): 1 failed or rolled back, 1 undone after promotion/);
    expect(text.stdout).toMatch(/time to restore +\d+ (s|min) median +\[elite\]\n +2 of 2 failure\(s\) restored/);

    // A window that holds none of it says so for each figure.
    const narrow = runPipec(["metrics", "dora", "--since", "1ms", "--deployment", "web"], { cwd: dir });
    expect(narrow.code).toBe(0);
    expect(narrow.stdout.match(/not enough data/g)).toHaveLength(4);
    expect(narrow.stdout).toMatch(/no rollout was promoted in the last 1 ms/);
  }, 300_000);

  it.each([
    [["--since", "soon"], /--since soon: expected a duration with its unit, like 30d, 12h or 90m/],
    [["--since", "30"], /--since 30: expected a duration with its unit/],
    [["--deployment", "wbe"], /no deployment "wbe" in \.pipec\/deployments; did you mean "web"\?; deployments here: web/],
  ])("bad input %j: one line, exit 2", (args, message) => {
    const result = runPipec(["metrics", "dora", ...args], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    noStackTrace(result.stderr);
  });

  it("a repository without commits: exit 2, saying so", () => {
    const empty = mkdtempSync(join(tmpdir(), "pipec-dora-empty-"));
    try {
      execFileSync("git", ["init", "-q"], { cwd: empty });
      const result = runPipec(["metrics", "dora"], { cwd: empty });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/the git repository at .* has no commits: lead time counts from the commit a deployment ships; commit, then deploy with pipec run/);
      noStackTrace(result.stderr);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
