/** `.pipec/deployments/<name>/`: revisions (trimmed, never losing the stable one), the stable and previous revisions, the lock. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  DamagedJsonError,
  DeploymentBusyError,
  acquireDeploymentLock,
  deploymentDir,
  nextRevisionNumber,
  previousRevision,
  readDeliveryHistory,
  readRevisions,
  saveRevision,
  stableRevision,
  type Revision,
  type RevisionStatus,
} from "../../../../runtime/deploy/history/index.ts";
import { DeploymentSchema } from "../../../../runtime/plan/schema.ts";

const deployment = DeploymentSchema.parse({ strategy: "canary", name: "web", target: { kind: "process", command: ["node", "server.js"] } });

function revision(n: number, status: RevisionStatus, digest = `sha256:${n}`): Revision {
  return { revision: n, deployment, target: { kind: "process", command: ["node", "server.js"] }, env: { VERSION: { value: `v${n}` } }, digest, status, reason: null, runId: null, job: null, pipeline: null, undoOf: null, startedAt: "2026-01-01T00:00:00.000Z", finishedAt: null, commit: null, kind: "rollout", promotedAt: null, rolledBackAt: null, recoveredAt: null };
}

describe("deployment history", () => {
  let project: string;
  beforeEach(() => (project = mkdtempSync(join(tmpdir(), "pipec-history-"))));
  afterEach(() => rmSync(project, { recursive: true, force: true }));

  it("keeps the newest revisions up to the limit, and always the stable one", () => {
    saveRevision(project, "web", revision(1, "healthy"), 2);
    for (let n = 2; n <= 5; n++) saveRevision(project, "web", revision(n, "degraded"), 2);
    expect(readRevisions(project, "web").map((r) => r.revision)).toEqual([1, 4, 5]);
    expect(stableRevision(readRevisions(project, "web"))?.revision).toBe(1);
    expect(nextRevisionNumber(readRevisions(project, "web"))).toBe(6);
    saveRevision(project, "web", { ...revision(5, "degraded"), reason: "replaced" }, 2);
    expect(readRevisions(project, "web").at(-1)?.reason).toBe("replaced");
  });

  it("keeps the delivery timeline of trimmed revisions, and a promotion's touch reaches them", () => {
    saveRevision(project, "web", { ...revision(1, "healthy"), promotedAt: "2026-01-01T00:01:00.000Z" }, 1);
    for (let n = 2; n <= 4; n++) saveRevision(project, "web", { ...revision(n, "degraded"), rolledBackAt: `2026-01-0${n}T00:00:00.000Z` }, 1);
    expect(readRevisions(project, "web").map((r) => r.revision)).toEqual([1, 4]);
    expect(readDeliveryHistory(project, "web").map((r) => [r.revision, r.status, r.rolledBackAt])).toEqual([
      [1, "healthy", null],
      [2, "degraded", "2026-01-02T00:00:00.000Z"],
      [3, "degraded", "2026-01-03T00:00:00.000Z"],
      [4, "degraded", "2026-01-04T00:00:00.000Z"],
    ]);
    const recovered = "2026-01-05T00:00:00.000Z";
    saveRevision(project, "web", { ...revision(5, "healthy"), promotedAt: recovered }, 1, (r) => (r.status === "degraded" ? { ...r, recoveredAt: recovered } : r));
    const history = readDeliveryHistory(project, "web");
    expect(history.map((r) => r.revision)).toEqual([1, 2, 3, 4, 5]);
    expect(history.filter((r) => r.recoveredAt === recovered).map((r) => r.revision)).toEqual([2, 3, 4]);
    expect(readRevisions(project, "web").map((r) => r.revision)).toEqual([5]);
  });

  it("reads a history written before delivery times were recorded", () => {
    mkdirSync(deploymentDir(project, "web"), { recursive: true });
    const { commit: _c, kind: _k, promotedAt: _p, rolledBackAt: _r, recoveredAt: _v, ...old } = revision(1, "healthy");
    writeFileSync(join(deploymentDir(project, "web"), "revisions.json"), JSON.stringify({ name: "web", revisions: [old] }));
    expect(readDeliveryHistory(project, "web")).toEqual([{ revision: 1, status: "healthy", undoOf: null, startedAt: old.startedAt, finishedAt: null, commit: null, kind: "rollout", promotedAt: null, rolledBackAt: null, recoveredAt: null }]);
  });

  it.each([
    ["torn JSON", '{"name":"web","revisions":[{"revis'],
    ["valid JSON of the wrong shape", '{"name":"web","revisions":"none"}'],
  ])("a damaged history (%s) is an error, never read as empty nor overwritten", (_kind, text) => {
    const file = join(deploymentDir(project, "web"), "revisions.json");
    mkdirSync(deploymentDir(project, "web"), { recursive: true });
    writeFileSync(file, text);
    expect(() => readRevisions(project, "web")).toThrow(DamagedJsonError);
    expect(() => readRevisions(project, "web")).toThrow(/revisions\.json is damaged .*repair it, or move it away/);
    expect(() => saveRevision(project, "web", revision(1, "healthy"), 10)).toThrow(DamagedJsonError);
    expect(readFileSync(file, "utf8")).toBe(text);
    expect(readRevisions(project, "other")).toEqual([]);
  });

  it("the previous revision is the newest healthy one before the stable one with another target", () => {
    const revisions = [revision(1, "healthy", "sha256:a"), revision(2, "healthy", "sha256:b"), revision(3, "degraded", "sha256:c"), revision(4, "healthy", "sha256:b")];
    expect(stableRevision(revisions)?.revision).toBe(4);
    expect(previousRevision(revisions)?.revision).toBe(1);
    expect(previousRevision([revision(1, "healthy")])).toBeUndefined();
    expect(stableRevision([revision(1, "degraded")])).toBeUndefined();
  });

  it("one process at a time deploys a name: a live owner is refused, a dead one's lock is taken over", () => {
    const release = acquireDeploymentLock(project, "web", "run-1");
    expect(() => acquireDeploymentLock(project, "web", "run-2")).toThrow(DeploymentBusyError);
    release();
    acquireDeploymentLock(project, "web", "run-3")();
    writeFileSync(join(deploymentDir(project, "web"), "lock"), JSON.stringify({ pid: process.ppid, runId: "other" }));
    expect(() => acquireDeploymentLock(project, "web", null)).toThrow(/in use by another pipec process \(pid \d+, run other\)/);
    writeFileSync(join(deploymentDir(project, "web"), "lock"), JSON.stringify({ pid: 2 ** 22 + 12345, runId: "crashed" }));
    acquireDeploymentLock(project, "web", null)();
  });
});
