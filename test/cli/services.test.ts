/** Services that fail, end to end through the real binary and the real Docker engine. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerGate, TEST_IMAGES } from "../setup/require-docker.ts";
import { runPipec } from "./run-pipec.ts";

const docker = await dockerGate("services (docker)");
let dir: string;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(docker.run)("services (docker)", () => {
  beforeAll(docker.assertAvailable);

  it("a service that exits at once is reported as exited, with its exit code and last output", () => {
    dir = mkdtempSync(join(tmpdir(), "pipec-services-"));
    writeFileSync(
      join(dir, "ci.yaml"),
      `name: services
image: ${TEST_IMAGES.busybox}
jobs:
  quick:
    services:
      - name: db
        image: ${TEST_IMAGES.busybox}
        command: [sh, -c, "echo listening; echo bad config >&2; exit 3"]
      - name: cache
        image: ${TEST_IMAGES.busybox}
        command: [sleep, "60"]
    steps: [echo never]
`,
    );
    const result = runPipec(["run", "ci.yaml", "--executor", "docker"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain("cannot join network");
    expect(result.stdout).toMatch(/\[quick\] FAILED in [^:]+: service "db" \(pipec-test\/busybox:1\) exited with code 3 before it was ready\. Its last output:\n(listening\nbad config|bad config\nlistening)\n/);
  });
});
