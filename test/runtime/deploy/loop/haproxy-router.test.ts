/** The loop with the HAProxy router (plan `router.kind: haproxy`): a canary promoted through real haproxy weights. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopAllServing } from "../../../../runtime/deploy/loop/index.ts";
import type { DeploymentInput } from "../../../../runtime/plan/schema.ts";
import { haproxyGate } from "../../../setup/require-haproxy.ts";
import { Project, startLoad, waitFor } from "../scenarios/harness.ts";
import { nodeAppCopy } from "../target/helpers.ts";

const haproxy = await haproxyGate("deploy loop with the haproxy router");

describe.runIf(haproxy.run)("runDeployment with the haproxy router", () => {
  let project: Project;
  let app: { file: string; remove: () => Promise<void> };
  beforeAll(async () => {
    haproxy.assertAvailable();
    project = await Project.create();
    app = await nodeAppCopy();
  });
  afterAll(async () => {
    await stopAllServing();
    await project?.remove();
    await app?.remove();
  });

  it("shifts traffic with haproxy weights and serves the new version at the end, losing no request", async () => {
    const spec = (version: string): DeploymentInput => ({
      strategy: "canary",
      name: "haproxy-canary",
      target: { kind: "process", command: ["node", app.file], env: { VERSION: version } },
      router: { kind: "haproxy", listen: "127.0.0.1:0" },
      healthCheck: { http: { path: "/healthz" }, intervalMs: 100 },
      scaleDownDelayMs: 0,
      drainTimeoutMs: 2_000,
      steps: [{ kind: "setWeight", weight: 50 }, { kind: "pause", durationMs: 1_000 }],
    });
    const first = await project.deploy(spec("v1"));
    expect(await first.outcome, first.lines.join("\n")).toEqual({ outcome: "success" });
    await first.stop();

    const second = await project.deploy(spec("v2"));
    await waitFor(() => second.handle.snapshot().weights?.stable === 100 && second.handle.snapshot().members.some((m) => m.role === "stable" && m.routed), 10_000, () => second.lines.join("\n"));
    const load = startLoad(second.handle.router.listen, { maxMs: 20_000 });
    expect(await second.outcome, second.lines.join("\n")).toEqual({ outcome: "success" });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const result = await load.stop();
    expect(second.handle.router.kind).toBe("haproxy");
    expect(await second.handle.router.readWeights()).toMatchObject({ r1: 0, r2: 100 });
    await second.stop();
    expect(result.failures).toEqual({});
    expect(result.versions.v1).toBeGreaterThan(0);
    expect(result.versions.v2).toBeGreaterThan(0);
    expect(result.timeline.at(-1)?.version).toBe("v2");
  });
});
