/**
 * End to end: notify: with the real binary on a git repository made here, against real HTTP receivers
 * on 127.0.0.1 run by the test: one that answers 200 (failure, then recovered), one that answers 500,
 * one that never answers. A notification never changes the run's exit code, and the webhook URL (a
 * secret) appears in no output, event or plan.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { noStackTrace, runPipecAsync } from "./run-pipec.ts";

type Event = Record<string, unknown> & { type: string };
const events = (stdout: string): Event[] => stdout.trim().split("\n").filter((l) => l.startsWith("{")).map((line) => JSON.parse(line) as Event);

const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((clean) => clean()));

interface Received {
  readonly method: string;
  readonly type: string | undefined;
  readonly body: Record<string, unknown>;
}

/** A receiver on 127.0.0.1: `answer` decides each request (a status, or "hang" to never answer). */
async function receiver(answer: () => number | "hang"): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = "";
    req.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
    req.on("end", () => {
      received.push({ method: req.method ?? "", type: req.headers["content-type"], body: JSON.parse(text) as Record<string, unknown> });
      const what = answer();
      if (what === "hang") hanging.push(res);
      else res.writeHead(what).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/T0KEN-very-secret-path`, received };
}

function project(pipeline: string): string {
  const dir = mkdtempSync(join(tmpdir(), "pipec-notify-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "ci.pipeline.ts"), pipeline);
  writeFileSync(join(dir, "exit-code"), "1\n");
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", ...args], { cwd: dir });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "-m", "first");
  return dir;
}

const PIPELINE = (notify: string) => `import { job, pipeline, secret } from "pipec";
const lint = job("lint", { image: "unused", steps: ["echo lint"] });
const test = job("test", { image: "unused", steps: ["exit $(cat exit-code)"] });
export default pipeline("notified", { jobs: [lint, test], notify: [${notify}] });
`;

const run = (dir: string, url: string) => runPipecAsync(["run", "ci.pipeline.ts", "--executor", "local", "--no-typecheck", "--json"], { cwd: dir, env: { HOOK_URL: url } });

describe("notifications", { timeout: 180_000 }, () => {
  it("post the failure, then recovered, with the run's facts; the secret URL is masked everywhere", async () => {
    const hook = await receiver(() => 200);
    const dir = project(PIPELINE(`{ on: ["failure", "recovered"], webhook: secret("HOOK_URL") }`));

    const failed = await run(dir, hook.url);
    expect(failed.code).toBe(1);
    const runId = events(failed.stdout)[0]?.runId as string;
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0]).toMatchObject({ method: "POST", type: "application/json" });
    expect(hook.received[0]!.body).toMatchObject({
      pipeline: "notified",
      runId,
      status: "failed",
      event: "failure",
      failedJobs: [{ job: "test", status: "failed", reason: 'step "exit $(cat exit-code)" failed with exit code 1' }],
      report: { path: join(dir, ".pipec", "runs", runId), command: `pipec report ${runId}` },
    });
    expect((hook.received[0]!.body.commit as { sha: string }).sha).toMatch(/^[0-9a-f]{40}$/);
    expect(events(failed.stdout).find((e) => e.type === "run.notify")).toMatchObject({ webhook: "${HOOK_URL}", event: "failure", ok: true, attempts: 1, httpStatus: 200 });

    // A success after the failure is "recovered"; one after a success sends nothing (on: failure, recovered).
    writeFileSync(join(dir, "exit-code"), "0\n");
    const recovered = await run(dir, hook.url);
    expect(recovered.code).toBe(0);
    expect(hook.received).toHaveLength(2);
    expect(hook.received[1]!.body).toMatchObject({ status: "success", event: "recovered", failedJobs: [] });
    expect(String(hook.received[1]!.body.text)).toContain("recovered");
    const quiet = await run(dir, hook.url);
    expect(quiet.code).toBe(0);
    expect(hook.received).toHaveLength(2);
    expect(events(quiet.stdout).some((e) => e.type === "run.notify")).toBe(false);

    const stored = readdirSync(join(dir, ".pipec", "runs")).flatMap((id) => readdirSync(join(dir, ".pipec", "runs", id)).filter((f) => f.endsWith(".json") || f.endsWith(".jsonl")).map((f) => readFileSync(join(dir, ".pipec", "runs", id, f), "utf8")));
    for (const text of [failed.stdout, failed.stderr, recovered.stdout, recovered.stderr, ...stored]) expect(text).not.toContain("T0KEN-very-secret-path");
    expect(stored.join("")).toContain("${HOOK_URL}");
  });

  it("retry a receiver that answers 500 a bounded number of times, then warn without failing the run", async () => {
    const hook = await receiver(() => 500);
    const dir = project(PIPELINE(`{ on: ["always"], webhook: "\${HOOK_URL}", retries: 2 }`));
    writeFileSync(join(dir, "exit-code"), "0\n");
    const result = await runPipecAsync(["run", "ci.pipeline.ts", "--executor", "local", "--no-typecheck"], { cwd: dir, env: { HOOK_URL: hook.url } });
    expect(result.code).toBe(0);
    expect(hook.received).toHaveLength(3);
    expect(result.stderr).toContain("pipec: warning: notification (always) to ${HOOK_URL} failed after 3 attempts: HTTP 500 Internal Server Error; the run's result stands");
    expect(result.stderr + result.stdout).not.toContain("T0KEN-very-secret-path");
    noStackTrace(result.stderr);
  });

  it("give up on a receiver that never answers after its timeout per attempt", async () => {
    const hook = await receiver(() => "hang");
    const dir = project(PIPELINE(`{ on: ["failure"], webhook: secret("HOOK_URL"), timeout: "500ms", retries: 1 }`));
    const started = Date.now();
    const result = await run(dir, hook.url);
    const elapsed = Date.now() - started;
    expect(result.code).toBe(1);
    expect(hook.received).toHaveLength(2);
    expect(events(result.stdout).find((e) => e.type === "run.notify")).toMatchObject({ ok: false, attempts: 2, httpStatus: null, message: "no answer within 500 ms" });
    // Two 500 ms attempts and one backoff: the run does not wait on the hook for long (bounded, not timed to the millisecond).
    expect(elapsed).toBeLessThan(60_000);
  });

  it("say a notification whose secret is not set was not sent, and run anyway", async () => {
    const dir = project(PIPELINE(`{ on: ["failure"], webhook: secret("HOOK_URL") }`));
    const result = await runPipecAsync(["run", "ci.pipeline.ts", "--executor", "local", "--no-typecheck"], { cwd: dir, env: { HOOK_URL: "" } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("notification (failure) to ${HOOK_URL} failed after 0 attempts: not sent: secret HOOK_URL is not set");
  });
});
