/**
 * The job container's step agent, run by the test image's `sh` in a container of its own (never on
 * the host: after each step it kills every process it can see but PID 1 and itself), and the mark
 * scanner, fed output split at every size.
 */
import { spawn } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { AGENT_SCRIPT, MarkScanner, agentCanRun, parseMarkTrailer, randomMark, renderStepRequest } from "../../../runtime/executor/step-agent.ts";
import { TEST_IMAGES, dockerGate } from "../../setup/require-docker.ts";

const docker = await dockerGate("step agent");

/** Runs the agent in a container with `requests` on its stdin; resolves with its stdout and stderr, OOM counts as N. */
function runAgent(token: string, requests: string): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const argv = ["run", "-i", "--rm", "--init", "--network", "none", "--log-driver", "none", TEST_IMAGES.busybox, "sh", "-c", AGENT_SCRIPT, "pipec-agent", token];
    const child = spawn("docker", argv, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ stdout: stdout.replace(/^(pipec-[0-9a-f]+ \d+) \d+$/gm, "$1 N"), stderr, code }));
    child.stdin.end(requests);
  });
}

describe.runIf(docker.run)("the step agent", () => {
  beforeAll(docker.assertAvailable);

  it("says its pid, runs each step with its env and directory, and marks its end with the exit code on both streams", async () => {
    const token = randomMark();
    const first = randomMark();
    const second = randomMark();
    const env = { QUOTED: "it's \"$HOME\" `id` $(id)\nline two", EMPTY: "" };
    const requests =
      renderStepRequest({ run: 'printf "%s|%s|" "$QUOTED" "$EMPTY"; pwd; echo err >&2; exit 3', env, workingDir: "/tmp", fallbackHome: null, mark: first }, token) +
      renderStepRequest({ run: "echo \"${QUOTED-unset}\"; cat", env: {}, workingDir: "/", fallbackHome: null, mark: second }, token);
    const result = await runAgent(token, requests);
    expect(result.code).toBe(0); // stdin ended: the agent ends
    const [hello, ...rest] = result.stdout.split("\n");
    expect(hello).toMatch(new RegExp(`^${token} \\d+ N$`));
    // Nothing of the values ran as code; the second step neither sees the first's env nor reads the agent's stdin.
    expect(rest.join("\n")).toBe(`it's "$HOME" \`id\` $(id)\nline two||/tmp\n${first} 3 N\nunset\n${second} 0 N\n`);
    expect(result.stderr).toBe(`err\n${first}\n${second}\n`);
  });

  it("gives a fallback HOME only when HOME is / or not writable", async () => {
    const token = randomMark();
    const mark = randomMark();
    const run = 'echo "$HOME"';
    const requests =
      renderStepRequest({ run, env: { HOME: "/" }, workingDir: "/", fallbackHome: "/pipec/home", mark }, token) +
      renderStepRequest({ run, env: { HOME: "/tmp" }, workingDir: "/", fallbackHome: "/pipec/home", mark }, token);
    const result = await runAgent(token, requests);
    expect(result.stdout.split("\n").slice(1).join("\n")).toBe(`/pipec/home\n${mark} 0 N\n/tmp\n${mark} 0 N\n`);
  });
});

describe("agentCanRun", () => {
  it("takes names a shell can export, and leaves the others (and the shells' own) to an exec", () => {
    expect(agentCanRun({ PATH: "/bin", _x1: "" })).toBe(true);
    expect(agentCanRun({ "odd-name": "1" })).toBe(false);
    expect(agentCanRun({ UID: "1000" })).toBe(false);
    expect(agentCanRun({ _pipec_m: "x" })).toBe(false);
  });
});

describe("MarkScanner", () => {
  const mark = "pipec-0123456789abcdef";
  const output = Buffer.from(`out pipec-0 p\xff${mark.slice(0, 5)}x`, "latin1");
  const stream = Buffer.concat([output, Buffer.from(`${mark} 137 2\nlater`)]);

  it.each([1, 2, 3, 7, stream.length])("passes the output before the mark through byte for byte, in chunks of %i", (size) => {
    const scanner = new MarkScanner();
    const seen: Buffer[] = [];
    const found: string[] = [];
    scanner.expect({ mark, trailer: true, onData: (chunk) => seen.push(Buffer.from(chunk)), onFound: (trailer) => found.push(trailer) });
    for (let at = 0; at < stream.length; at += size) scanner.push(stream.subarray(at, at + size));
    expect(Buffer.concat(seen)).toEqual(output);
    expect(found).toEqual([" 137 2"]);
    expect(parseMarkTrailer(found[0]!)).toEqual({ first: 137, second: 2 });
  });

  it("drops output nobody waits for, and reports a mark without a trailer at once", () => {
    const scanner = new MarkScanner();
    scanner.push(Buffer.from("stray"));
    const seen: string[] = [];
    let found = false;
    scanner.expect({ mark, trailer: false, onData: (chunk) => seen.push(chunk.toString()), onFound: () => (found = true) });
    scanner.push(Buffer.from(`err\n${mark}\n`));
    expect(seen.join("")).toBe("err\n");
    expect(found).toBe(true);
  });

  it("reads a malformed trailer as null", () => {
    expect(parseMarkTrailer(" x 1")).toBeNull();
    expect(parseMarkTrailer("")).toBeNull();
  });
});
