/** An image that does not exist fails its job once, with what to do: trying again cannot help (real engine). */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerGate } from "../setup/require-docker.ts";
import { runPipec } from "./run-pipec.ts";

const docker = await dockerGate("missing image (docker)");

describe.runIf(docker.run)("a job whose image does not exist", () => {
  let dir: string;
  beforeAll(() => {
    docker.assertAvailable();
    dir = mkdtempSync(join(tmpdir(), "pipec-missing-image-"));
    execFileSync("git", ["init", "-q"], { cwd: dir });
    writeFileSync(
      join(dir, "ci.pipeline.ts"),
      `import { job, pipeline } from "pipec";
export default pipeline("missing", { jobs: [job("a", { image: "pipec-test/does-not-exist:1", retry: { max: 2, backoff: { initial: "1s" } }, steps: ["true"] })] });
`,
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([["never"], ["missing"]])("fails at the first attempt with --pull %s, saying what to do", (pull) => {
    const result = runPipec(["run", "--executor", "docker", "--pull", pull, "--json"], { cwd: dir });
    expect(result.code).toBe(1);
    const events = result.stdout.trim().split("\n").map((line) => JSON.parse(line) as { type: string; attempt?: number; status?: string; message?: string });
    expect(events.filter((e) => e.type === "job.started").map((e) => e.attempt)).toEqual([1]);
    const finished = events.find((e) => e.type === "job.finished");
    expect(finished).toMatchObject({ status: "failed" });
    expect(JSON.stringify(finished)).toContain('image \\"pipec-test/does-not-exist:1\\" is not available locally');
    expect(JSON.stringify(finished)).toContain("Build or load it");
  });
});
