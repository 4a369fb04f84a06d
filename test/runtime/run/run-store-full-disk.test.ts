/**
 * The run store on a real full disk (a 1 MiB tmpfs, which only root can mount: required in CI, which
 * runs as root; skipped elsewhere when not root): a state.json that cannot be written even with the
 * room held for it is said, leaves no temp file, and the events still tell how the run ended.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PlanSchema, type PlanInput } from "../../../runtime/plan/schema.ts";
import { readOrRecoverRunState } from "../../../runtime/run/recover-run-state.ts";
import { createRunStore } from "../../../runtime/run/run-store.ts";
import { dockerRequired } from "../../setup/require-docker.ts";

const root = process.getuid?.() === 0;
const plan = PlanSchema.parse({ apiVersion: "pipec/v1", name: "p", jobs: { a: { name: "a", image: "busybox:1.36", steps: [{ name: "s", run: "true" }] } } } as unknown as PlanInput);
const time = "2026-01-01T00:00:00.000Z";

describe.runIf(root || dockerRequired())("run store on a full disk", () => {
  let mount: string | undefined;
  afterAll(() => {
    if (mount) {
      execFileSync("umount", [mount]);
      rmSync(mount, { recursive: true, force: true });
    }
  });

  it("says a state.json it could not write, leaves no .tmp, and its events keep the end whole", () => {
    expect(root, "mounting a tmpfs needs root; CI runs as root").toBe(true);
    mount = mkdtempSync(join(tmpdir(), "pipec-store-full-"));
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mount]);
    const store = createRunStore(mount, "r1", plan);
    store.append({ type: "run.started", time, runId: "r1", pipeline: "p", digest: "", executor: "local", concurrency: 1, jobs: ["a"], resumedFrom: null });
    execFileSync("sh", ["-c", `head -c 2000000 /dev/zero > ${join(mount, "filler")} || true`]);
    // Output meets the full disk: left out, said once; the held room is not touched by it.
    for (let i = 0; i < 3; i++) store.appendLog("a", "x".repeat(10_000));
    store.append({ type: "job.finished", time, runId: "r1", job: "a", status: "success", attempts: 1, durationMs: 1, exitCode: 0, reason: null, outputs: { dist: "sha256:1" } });
    store.append({ type: "run.finished", time, runId: "r1", status: "success", reason: null, durationMs: 1, criticalPath: ["a"], criticalPathMs: 1 });
    // A state far bigger than the room held: it cannot be written.
    const written = store.writeState({ runId: "r1", pipeline: "p", status: "success", startedAt: time, finishedAt: time, resumedFrom: null, jobs: {}, note: "n".repeat(400_000) });
    store.close();
    expect(written).toBe(false);
    expect(store.writeProblems).toEqual([
      `could not keep all of logs/a.log in ${store.dir}: the disk is full; output that did not fit is missing from it, the run went on`,
      `could not record state.json in ${store.dir}: the disk is full`,
      "pipec runs and pipec run --resume r1 read how the run ended from its events.jsonl instead",
    ]);
    expect(readdirSync(store.dir).sort()).toEqual(["events.jsonl", "logs", "plan.json"]);
    expect(readOrRecoverRunState(mount, "r1")).toMatchObject({ status: "success", jobs: { a: { status: "success", outputs: { dist: "sha256:1" } } } });
  });
});
