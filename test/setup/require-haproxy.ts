/**
 * Gate for tests that need HAProxy (installed by `bash test/setup/haproxy.sh`).
 *
 * In CI (`CI` set) or with `PIPEC_REQUIRE_DOCKER=1` (the switch .ci/run sets for every real
 * outside program), HAProxy tests must run: a missing binary fails them. Elsewhere they may skip,
 * saying why. Typical use:
 *
 *   const haproxy = await haproxyGate("haproxy router");
 *   describe.runIf(haproxy.run)("haproxy router", () => {
 *     beforeAll(haproxy.assertAvailable);
 *     ...
 *   });
 */
import { execFile } from "node:child_process";
import { resolveHaproxyBinary } from "../../runtime/deploy/router/haproxy/index.ts";
import { dockerRequired } from "./require-docker.ts";

export interface HaproxyGate {
  /** Pass to `describe.runIf`: true when haproxy is there, or when it is required. */
  readonly run: boolean;
  readonly available: boolean;
  readonly reason: string;
  /** The first line of `haproxy -v`, when available. */
  readonly version: string;
  /** For `beforeAll`: throws a clear error when haproxy is required but missing. */
  readonly assertAvailable: () => void;
}

let probe: Promise<{ available: boolean; reason: string; version: string }> | undefined;

/** Whether `haproxy -v` runs, and if not, why. Probed once per test file. */
export function probeHaproxy(binary = "haproxy"): Promise<{ available: boolean; reason: string; version: string }> {
  probe ??= resolveHaproxyBinary(binary).then((resolved) => new Promise((resolve) => {
    execFile(resolved, ["-v"], { timeout: 10_000 }, (error, stdout) => {
      if (error) resolve({ available: false, reason: error.message, version: "" });
      else resolve({ available: true, reason: "", version: stdout.split("\n", 1)[0] ?? "" });
    });
  }));
  return probe;
}

/** Decides whether a HAProxy test suite runs, skips (printing why), or fails for lack of haproxy. */
export async function haproxyGate(suite: string): Promise<HaproxyGate> {
  const { available, reason, version } = await probeHaproxy();
  const required = dockerRequired();
  if (!available && !required) {
    console.warn(
      `[pipec] skipping "${suite}": haproxy is not available (${reason})\n` +
        "        Run `bash test/setup/haproxy.sh` to install it; CI (or PIPEC_REQUIRE_DOCKER=1) makes this a failure.",
    );
  }
  return {
    run: available || required,
    available,
    reason,
    version,
    assertAvailable() {
      if (!available) {
        throw new Error(
          `HAProxy tests are required here (CI or PIPEC_REQUIRE_DOCKER=1) but haproxy is missing: ${reason}. ` +
            "Run `bash test/setup/haproxy.sh` first.",
        );
      }
    },
  };
}
