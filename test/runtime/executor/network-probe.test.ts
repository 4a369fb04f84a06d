/**
 * The network-namespace probe's answer remembered in .pipec (network-namespace.ts): a run whose jobs
 * are all cached reads it instead of starting the probe, only while everything that decides it is as
 * when it was probed; steps always go by a real probe, and a remembered answer that no longer holds
 * is said in the job's log and mended.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { NETWORK_PROBE_FILE, networkIsolation, rememberedIsolation } from "../../../runtime/executor/network-namespace.ts";
import { JobSchema } from "../../../runtime/plan/schema.ts";
import { runJob, tempWorkspace } from "./harness.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pipec-network-probe-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const file = () => join(dir, NETWORK_PROBE_FILE);
/** The module as a new pipec process has it: nothing probed yet. */
const freshModule = async () => {
  vi.resetModules();
  return import("../../../runtime/executor/network-namespace.ts");
};
const saved = () => JSON.parse(readFileSync(file(), "utf8")) as { key: string; available: boolean; why: string };

describe.runIf(process.platform === "linux")("the remembered network probe", () => {
  it("probes once and remembers; reads the answer back while its key holds; probes again when the key differs", async () => {
    const real = networkIsolation();
    expect(await (await freshModule()).rememberedIsolation(dir)).toEqual(real);
    const first = saved();
    expect(first).toMatchObject(real);
    // A remembered answer under the same key is taken as it is (no probe could answer this).
    writeFileSync(file(), JSON.stringify({ ...first, available: !real.available, why: "remembered" }));
    expect(await (await freshModule()).rememberedIsolation(dir)).toEqual({ available: !real.available, why: "remembered" });
    // Another machine, boot, container or user: another key, probed again and remembered anew.
    writeFileSync(file(), JSON.stringify({ ...first, key: `${first.key}x`, available: !real.available, why: "elsewhere" }));
    expect(await (await freshModule()).rememberedIsolation(dir)).toEqual(real);
    expect(saved()).toEqual(first);
    // A process that probed already remembers its own answer over a wrong one.
    writeFileSync(file(), JSON.stringify({ ...first, available: !real.available, why: "remembered" }));
    expect(await rememberedIsolation(dir)).toEqual(real);
    expect(saved()).toEqual(first);
  });

  it("runs a network: none job's steps by the real probe, saying so and mending the file when the remembered answer was wrong", async () => {
    const real = networkIsolation();
    await rememberedIsolation(dir);
    // Remembered as the opposite of the truth: the notice goes by it, the steps by the real probe.
    const wrong = real.available ? { available: false, why: "remembered" } : { available: true, why: "" };
    writeFileSync(file(), JSON.stringify({ ...saved(), ...wrong }));
    await freshModule();
    const { createLocalExecutor } = await import("../../../runtime/executor/local-executor.ts");
    const executor = createLocalExecutor({ stateDir: dir });
    const offline = new Map([["job", JobSchema.parse({ name: "job", image: null, network: "none" })]]);
    const notices = (await executor.notices!(offline)).join(" ");
    if (real.available) expect(notices).toContain("network: none (job job; remembered)");
    else expect(notices).not.toContain("network: none");
    const workspace = await tempWorkspace();
    try {
      const result = await runJob(executor, { workspace: workspace.dir, runId: `probe-${process.pid}`, baseEnv: { PATH: process.env.PATH ?? "/usr/bin:/bin" }, job: { network: "none" }, steps: [{ run: "echo ran" }] });
      expect(result.outcome.outcome).toBe("success");
      expect(result.text("stdout")).toBe("ran\n");
      if (real.available) expect(result.text("stderr")).toBe("");
      else expect(result.text("stderr")).toContain(`pipec: warning: network: none is not enforced for this job: ${real.why}`);
      expect(saved()).toMatchObject(real);
    } finally {
      await workspace.remove();
    }
  });
});
