/**
 * Gate for tests that load a page in headless Chromium (Debian's package, installed by
 * `bash test/setup/chromium.sh`; .ci/run calls it). In CI (`CI` set) or with PIPEC_REQUIRE_DOCKER=1
 * a missing browser fails the suite; elsewhere the test skips, saying why.
 */
import { execFileSync } from "node:child_process";
import { dockerRequired } from "./require-docker.ts";

export const CHROMIUM = process.env.PIPEC_CHROMIUM ?? "/usr/bin/chromium";

export interface ChromiumGate {
  readonly run: boolean;
  readonly available: boolean;
  readonly version: string;
  readonly assertAvailable: () => void;
}

export function chromiumGate(suite: string): ChromiumGate {
  let version = "";
  let reason = "";
  try {
    version = execFileSync(CHROMIUM, ["--version"], { encoding: "utf8", timeout: 30_000, stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch (error) {
    reason = (error as Error).message.split("\n", 1)[0] ?? "";
  }
  const available = version !== "";
  const required = dockerRequired();
  if (!available && !required) {
    console.warn(`[pipec] skipping "${suite}": no Chromium at ${CHROMIUM} (${reason})\n        Run \`bash test/setup/chromium.sh\` to install it; CI (or PIPEC_REQUIRE_DOCKER=1) makes this a failure.`);
  }
  return {
    run: available || required,
    available,
    version,
    assertAvailable() {
      if (!available) throw new Error(`the run report's browser test is required here (CI or PIPEC_REQUIRE_DOCKER=1) but Chromium is missing at ${CHROMIUM}: ${reason}. Run \`bash test/setup/chromium.sh\` first.`);
    },
  };
}
