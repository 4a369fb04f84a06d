/**
 * The whole story of a kept deployment through the real binary, under a bounded load (4 keep-alive
 * connections on 127.0.0.1), through the builtin router and again through HAProxy, with Docker
 * instances: deploy v1; the run ends and the load still gets 0 errors; a canary of a bad v2
 * (ERROR_RATE=0.5) with default analysis settings rolls back by itself within two intervals; a
 * healthy v3 is promoted; `pipec deploy undo` goes back to v1 with 0 failed requests; `pipec deploy
 * stop` leaves no process, container or listening port. Failed requests beyond the injected errors: 0.
 * The invariant monitor (no traffic to unready instances) reads the supervisor's status all along.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ROUTER_INTERVAL_MS } from "../../runtime/deploy/analysis/index.ts";
import { readStatus } from "../../runtime/deploy/history/index.ts";
import { deployLogPath } from "../../runtime/deploy/loop/index.ts";
import { haproxyStateDir } from "../../runtime/deploy/loop/setup.ts";
import { freePort } from "../../runtime/deploy/router/listen-address.ts";
import { controlSocketPath, readSupervisorPid } from "../../runtime/deploy/supervisor/index.ts";
import { LABEL_DEPLOYMENT } from "../../runtime/docker/index.ts";
import { startLoad } from "../runtime/deploy/scenarios/harness.ts";
import { portOpen, uniqueName } from "../runtime/deploy/target/helpers.ts";
import { dockerGate, TEST_IMAGES } from "../setup/require-docker.ts";
import { haproxyGate } from "../setup/require-haproxy.ts";
import { runPipecAsync } from "./run-pipec.ts";
import { alive, removeProject, startStatusMonitor } from "./supervised-helpers.ts";

const docker = await dockerGate("kept deployments through the real binary");
const haproxy = await haproxyGate("kept deployments through the real binary, haproxy");

function pipelineText(name: string, router: "builtin" | "haproxy", port: number): string {
  return `import { deploy, docker, pipeline } from "pipec";

const web = deploy.canary("${name}", {
  target: docker({ image: "${TEST_IMAGES.nodeApp}", env: { VERSION: "\${APP_VERSION}", ERROR_RATE: "\${ERROR_RATE}" } }),
  replicas: 2,
  router: { kind: "${router}", listen: "127.0.0.1:${port}" },
  healthCheck: { http: { path: "/healthz" }, interval: "200ms", timeout: "500ms", failureThreshold: 2 },
  scaleDownDelay: "300ms",
  abortScaleDownDelay: "0s",
  drainTimeout: "5s",
  // The analysis a user writes first: a metric and a threshold, nothing tuned.
  steps: [{ setWeight: 25 }, { analysis: { metrics: [{ name: "errors", provider: { builtin: "errorRate" }, threshold: { max: 0.01 } }] } }, { setWeight: 100 }],
});

export default pipeline("ship", { vars: { APP_VERSION: { default: "v1" }, ERROR_RATE: { default: "0" } }, jobs: [web] });
`;
}

function containers(name: string): string[] {
  const out = spawnSync("docker", ["ps", "-aq", "--filter", `label=${LABEL_DEPLOYMENT}=${name}`], { encoding: "utf8" });
  return out.stdout.split("\n").filter(Boolean);
}

for (const { router, gate } of [
  { router: "builtin" as const, gate: docker },
  { router: "haproxy" as const, gate: haproxy },
]) describe.runIf(docker.run && gate.run)(`a kept deployment through the ${router} router`, () => {
  let dir: string;
  let port: number;
  const name = uniqueName(`keep-${router}`);
  beforeAll(async () => {
    docker.assertAvailable();
    gate.assertAvailable();
    dir = mkdtempSync(join(tmpdir(), "pipec-keep-"));
    port = await freePort();
    writeFileSync(join(dir, "ship.pipeline.ts"), pipelineText(name, router, port));
  });
  afterAll(() => removeProject(dir, { docker: true }), 120_000);

  it("serves after the run, rolls a bad canary back, promotes a good one, undoes and stops with no failed request", async () => {
    const run = (vars: string[]) => runPipecAsync(["run", "ship.pipeline.ts", "--executor", "local", "--no-typecheck", ...vars.flatMap((v) => ["--var", v])], { cwd: dir, timeoutMs: 240_000 });
    const first = await run([]);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const supervisor = readSupervisorPid(dir, name);
    expect(supervisor).toBeDefined();
    expect(alive(supervisor!)).toBe(true);

    const load = startLoad(`127.0.0.1:${port}`, { maxMs: 600_000 });
    const monitor = startStatusMonitor(dir, name);
    let stopped = false;
    try {
      // The run is over: the supervisor serves v1.
      await new Promise((resolve) => setTimeout(resolve, 2_000));

      const bad = await run(["APP_VERSION=v2", "ERROR_RATE=0.5"]);
      expect(bad.code, bad.stdout + bad.stderr).toBe(1);
      expect(bad.stdout + bad.stderr).toMatch(/rolled back: analysis "errors": error rate 0\.\d+ > max 0\.01/);

      const good = await run(["APP_VERSION=v3"]);
      expect(good.code, good.stdout + good.stderr).toBe(0);
      expect(good.stdout).toMatch(/after the run too/);
      // The promotion kept revision 1 warm: running, health-checked, not routed.
      await expect.poll(() => readStatus(dir, name)?.warmRevision, { timeout: 10_000 }).toBe(1);
      const status = await runPipecAsync(["deploy", "status", name, "--json"], { cwd: dir });
      const view = JSON.parse(status.stdout) as { warmRevision: number | null; instances: { role: string; revision: number; health: string }[] };
      expect(view.warmRevision).toBe(1);
      expect(view.instances.filter((i) => i.role === "warm").map((i) => `${i.revision} ${i.health}`)).toEqual(["1 ready", "1 ready"]);
      expect((await runPipecAsync(["deploy", "status", name], { cwd: dir })).stdout).toMatch(/^ {2}warm: +revision 1 \(running, not routed/m);

      // Undo switches to the warm instances: weights only, no instance started.
      const undo = await runPipecAsync(["deploy", "undo", name], { cwd: dir });
      expect(undo.code, undo.stdout + undo.stderr).toBe(0);
      expect(undo.stdout).toMatch(/is back on the target of revision 1 \(it was on revision 3\) in \d+ ms, from its warm instances; the router confirms r4 100%/);
      // ... and the revision it left is the warm one now.
      await expect.poll(() => readStatus(dir, name)?.warmRevision, { timeout: 10_000 }).toBe(3);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const result = await load.stop();
      stopped = true;
      const violations = monitor.stop();
      const unexpected = result.timeline.filter((r) => r.status !== 200 && r.version !== "v2").map((r) => `${new Date(r.at).toISOString()} ${r.status} ${r.version}`);
      const log = readFileSync(deployLogPath(dir, name), "utf8");
      const explain = `failures: ${JSON.stringify(result.failures)} versions: ${JSON.stringify(result.versions)}\nunexpected: ${unexpected.join(", ")}\nviolations: ${violations.join("\n")}\n${log}`;

      // Failed requests beyond the injected errors (v2's HTTP 500s): none, across every switch.
      expect(Object.keys(result.failures).filter((kind) => kind !== "500 v2"), explain).toEqual([]);
      expect(violations, explain).toEqual([]);
      expect(result.versions.v1, explain).toBeGreaterThan(0);
      expect(result.versions.v3, explain).toBeGreaterThan(0);
      // The bad canary's errors lasted at most two analysis intervals (plus the rollback's own time).
      const errors = result.timeline.filter((r) => r.status === 500);
      expect(errors.length, explain).toBeGreaterThan(0);
      expect(errors.at(-1)!.at - errors[0]!.at, explain).toBeLessThan(2 * DEFAULT_ROUTER_INTERVAL_MS + 2_000);
      // After the undo, v1 answers (the undo's revision 4).
      expect(result.timeline.at(-1)!.version, explain).toBe("v1");
      console.log(`[${router}] ${result.requests} requests, failures ${JSON.stringify(result.failures)}; bad canary's errors for ${errors.at(-1)!.at - errors[0]!.at} ms; ${/in (\d+) ms/.exec(undo.stdout)?.[0] ?? ""}`);
    } finally {
      if (!stopped) {
        await load.stop();
        monitor.stop();
      }
    }

    const stop = await runPipecAsync(["deploy", "stop", name], { cwd: dir });
    expect(stop.code, stop.stdout + stop.stderr).toBe(0);
    expect(stop.stdout).toMatch(new RegExp(`stopped deployment "${name}": 4 instance\\(s\\) stopped, router 127\\.0\\.0\\.1:${port} closed \\(it was served by pid ${supervisor}\\)`));
    expect(alive(supervisor!)).toBe(false);
    expect(await portOpen(port)).toBe(false);
    expect(containers(name)).toEqual([]);
    expect(existsSync(join(haproxyStateDir(dir, name), "haproxy.pid"))).toBe(false);
    expect(existsSync(controlSocketPath(dir, name))).toBe(false);
    expect(readStatus(dir, name)?.serving).toBe(false);
  }, 600_000);
});
