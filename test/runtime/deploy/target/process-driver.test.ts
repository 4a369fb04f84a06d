/** The process driver with the deploy-target test app run by this Node binary. */
import { tmpdir } from "node:os";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { httpProbe } from "../../../../runtime/deploy/health/index.ts";
import {
  TargetExitedError,
  TargetSpawnError,
  TargetUnknownInstanceError,
  allocatePort,
  createProcessTargetDriver,
  type ProcessTarget,
} from "../../../../runtime/deploy/target/index.ts";
import type { Instance, TargetDriver } from "../../../../runtime/deploy/types.ts";
import { get, nodeAppCopy, portOpen, uniqueName } from "./helpers.ts";

const node = process.execPath;
const appCopy = await nodeAppCopy();
const app: ProcessTarget = { command: [node, appCopy.file], env: {} };
const cleanups: (() => Promise<unknown>)[] = [];

afterAll(() => appCopy.remove());

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

function driverFor(target: ProcessTarget, deployment = uniqueName("proc")) {
  const driver = createProcessTargetDriver(target, tmpdir());
  cleanups.push(() => driver.cleanup(deployment));
  return { driver, deployment };
}

async function startOne(driver: TargetDriver, deployment: string, version: string, env: Record<string, string> = {}, index = 0): Promise<Instance> {
  return driver.start({ deployment, version, index, port: await allocatePort(), env: { VERSION: version, ...env } });
}

describe("process target driver", () => {
  it("starts instances on their own ports serving their VERSION; stop closes the port", async () => {
    const { driver, deployment } = driverFor(app);
    const [a, b] = await Promise.all([startOne(driver, deployment, "v1", {}, 0), startOne(driver, deployment, "v2", {}, 1)]);
    expect(a).toMatchObject({ host: "127.0.0.1", version: "v1" });
    expect(a.port).not.toBe(b.port);
    expect(await get(a.port)).toEqual({ status: 200, body: "v1\n" });
    expect(await get(b.port)).toEqual({ status: 200, body: "v2\n" });

    const started = performance.now();
    await driver.stop(a, 5_000);
    expect(performance.now() - started).toBeLessThan(2_500); // the app handles SIGTERM: no wait for the grace
    expect(await portOpen(a.port)).toBe(false);
    expect(await get(b.port)).toEqual({ status: 200, body: "v2\n" });
    await driver.stop(a, 5_000); // a second stop is fine
    expect(await driver.status(a)).toEqual({ running: false, exitCode: null, lastLines: [] });
    const status = await driver.status(b);
    expect(status.running).toBe(true);
    expect(status.lastLines.join("\n")).toContain(`node-app v2 listening on 127.0.0.1:${b.port}`);
  });

  it("READY=false fails the http probe with the status in the reason; a ready instance passes", async () => {
    const { driver, deployment } = driverFor(app);
    const ready = await startOne(driver, deployment, "v1");
    const unready = await startOne(driver, deployment, "v2", { READY: "false" }, 1);
    const probe = httpProbe({ path: "/healthz", expectStatus: [200, 399] });
    expect(await probe(ready, 1_000)).toEqual({ ok: true });
    expect(await probe(unready, 1_000)).toEqual({ ok: false, reason: "GET /healthz answered 503 (not ready), expected 200-399" });
  });

  it("ERROR_RATE=1 makes / answer 500", async () => {
    const { driver, deployment } = driverFor(app);
    const failing = await startOne(driver, deployment, "bad", { ERROR_RATE: "1" });
    for (let i = 0; i < 3; i++) expect(await get(failing.port)).toEqual({ status: 500, body: "error bad\n" });
  });

  it("the target env, then the request env, then PORT (which always wins)", async () => {
    const { driver, deployment } = driverFor({ command: app.command, env: { VERSION: "from-target", PORT: "1" } });
    const instance = await driver.start({ deployment, version: "v1", index: 0, port: await allocatePort(), env: {} });
    expect(await get(instance.port)).toEqual({ status: 200, body: "from-target\n" });
    const other = await driver.start({ deployment, version: "v1", index: 1, port: await allocatePort(), env: { VERSION: "from-request" } });
    expect(await get(other.port)).toEqual({ status: 200, body: "from-request\n" });
  });

  it("an instance that exits at once fails start with its exit code and last output lines", async () => {
    const script = "console.log('booting'); for (let i = 0; i < 100; i++) console.log('line ' + i); console.error('fatal: DATABASE_URL is not set'); process.exit(3)";
    const { driver, deployment } = driverFor({ command: [node, "-e", script], env: {} });
    const port = await allocatePort();
    const error = await driver.start({ deployment, version: "v9", index: 2, port, env: {} }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TargetExitedError);
    const exited = error as TargetExitedError;
    expect(exited.code).toBe("TARGET_EXITED_EARLY");
    expect(exited.exitCode).toBe(3);
    expect(exited.lastLines.length).toBeLessThanOrEqual(40);
    expect(exited.lastLines).toContain("fatal: DATABASE_URL is not set");
    expect(exited.lastLines).toContain("line 99");
    expect(exited.lastLines).not.toContain("booting");
    expect(exited.message).toContain(`Instance 2 of deployment "${deployment}" version "v9"`);
    expect(exited.message).toContain(`exited with code 3 right after starting, before serving on 127.0.0.1:${port}`);
    expect(exited.message).toContain("  | fatal: DATABASE_URL is not set");
  });

  it("a command that does not exist fails start clearly", async () => {
    const { driver, deployment } = driverFor({ command: ["pipec-no-such-server", "--port"], env: {} });
    const error = await driver.start({ deployment, version: "v1", index: 0, port: await allocatePort(), env: {} }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TargetSpawnError);
    expect((error as Error).message).toMatch(/could not start "pipec-no-such-server --port": no such command/);
  });

  it("stop sends SIGTERM to the whole group and SIGKILL after the grace", async () => {
    // A shell that ignores SIGTERM, and a server in its group that ignores it too.
    const stubborn = `process.on('SIGTERM', () => {}); require('node:http').createServer((q, s) => s.end('x')).listen(process.env.PORT, '127.0.0.1')`;
    const { driver, deployment } = driverFor({ command: ["sh", "-c", `trap '' TERM; "${node}" -e "${stubborn}" & wait`], env: {} });
    const instance = await startOne(driver, deployment, "v1");
    expect(await portOpen(instance.port)).toBe(true);
    const started = performance.now();
    await driver.stop(instance, 300);
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(2_000);
    expect(await portOpen(instance.port)).toBe(false);
  });

  it("cleanup kills what it started for that deployment only", async () => {
    const driver = createProcessTargetDriver(app, tmpdir());
    const [mine, other] = [uniqueName("proc-a"), uniqueName("proc-b")];
    cleanups.push(() => driver.cleanup(other));
    const instances = await Promise.all([startOne(driver, mine, "v1", {}, 0), startOne(driver, mine, "v2", {}, 1)]);
    const kept = await startOne(driver, other, "v1");
    expect(await driver.cleanup(mine)).toBe(2);
    for (const instance of instances) expect(await portOpen(instance.port)).toBe(false);
    expect(await get(kept.port)).toEqual({ status: 200, body: "v1\n" });
    expect(await driver.cleanup(mine)).toBe(0);
    await expect(createProcessTargetDriver(app, tmpdir()).stop(kept, 0)).rejects.toThrow(TargetUnknownInstanceError);
  });
});
