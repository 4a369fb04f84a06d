/**
 * Gate for tests that need the real Docker engine (started by `bash test/setup/docker.sh`).
 *
 * In CI (`CI` set) or with `PIPEC_REQUIRE_DOCKER=1`, Docker tests must run: a missing engine fails
 * them. Elsewhere they may skip, saying why. Typical use, at the top of a test file:
 *
 *   const docker = await dockerGate("docker engine");
 *   describe.runIf(docker.run)("docker engine", () => {
 *     beforeAll(docker.assertAvailable);
 *     ...
 *   });
 */
import { connectDocker } from "../../runtime/docker/index.ts";

/** Images built by test/setup/docker.sh with `docker import` (no registry is reachable). */
export const TEST_IMAGES = {
  /** busybox-static with applets in /bin (sh, echo, cat, sleep, wget, httpd, nc, ...). */
  busybox: "pipec-test/busybox:1",
  /** node + /app/server.js: PORT, VERSION, ERROR_RATE, LATENCY_MS, READY=false; /healthz and /. */
  nodeApp: "pipec-test/node-app:1",
  /** busybox + node + npm: a build image, also tagged node:20 (the README's and examples' image). */
  node: "pipec-test/node:1",
} as const;

/** True when Docker tests must run rather than skip. */
export function dockerRequired(): boolean {
  const ci = process.env.CI;
  return process.env.PIPEC_REQUIRE_DOCKER === "1" || (ci !== undefined && ci !== "" && ci !== "false" && ci !== "0");
}

let probe: Promise<{ available: boolean; reason: string }> | undefined;

/** Whether the engine answers a ping, and if not, why. Probed once per test file. */
export function probeDocker(): Promise<{ available: boolean; reason: string }> {
  probe ??= connectDocker()
    .ping()
    .then(
      () => ({ available: true, reason: "" }),
      (error: unknown) => ({ available: false, reason: error instanceof Error ? error.message : String(error) }),
    );
  return probe;
}

/** Whether the Docker engine answers. */
export async function dockerAvailable(): Promise<boolean> {
  return (await probeDocker()).available;
}

export interface DockerGate {
  /** Pass to `describe.runIf`: true when the engine is there, or when it is required. */
  readonly run: boolean;
  readonly available: boolean;
  readonly reason: string;
  /** For `beforeAll`: throws a clear error when the engine is required but missing. */
  readonly assertAvailable: () => void;
}

/** Decides whether a Docker test suite runs, skips (printing why), or fails for lack of an engine. */
export async function dockerGate(suite: string): Promise<DockerGate> {
  const { available, reason } = await probeDocker();
  const required = dockerRequired();
  if (!available && !required) {
    console.warn(
      `[pipec] skipping "${suite}": ${reason}\n` +
        "        Run `bash test/setup/docker.sh` to start an engine; CI (or PIPEC_REQUIRE_DOCKER=1) makes this a failure.",
    );
  }
  return {
    run: available || required,
    available,
    reason,
    assertAvailable() {
      if (!available) {
        throw new Error(
          `Docker tests are required here (CI or PIPEC_REQUIRE_DOCKER=1) but the engine is missing: ${reason}. ` +
            "Run `bash test/setup/docker.sh` first.",
        );
      }
    },
  };
}
