/**
 * The README's headline pipeline, as written there, run for real: `npm ci` in `node:20` (the local
 * stand-in built by test/setup/docker.sh) installs a package from a registry stand-in on 127.0.0.1,
 * `npm run build` and `npm test` use it, and a second run is a job-cache hit for both jobs that asks
 * the registry for nothing.
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerGate } from "../setup/require-docker.ts";
import { runPipecAsync } from "./run-pipec.ts";

const docker = await dockerGate("README headline example (docker)");
const README = join(import.meta.dirname, "..", "..", "README.md");

/** The first TypeScript block of the README: the headline pipeline. */
function headlinePipeline(): string {
  const match = /```ts\n([\s\S]*?)```/.exec(readFileSync(README, "utf8"));
  if (!match) throw new Error("README.md has no ```ts block");
  return match[1]!;
}

/** A registry stand-in in a process of its own: one package, its packument and its tarball; logs each request. */
const REGISTRY = `
const http = require("node:http");
const fs = require("node:fs");
const [tarball, log] = process.argv.slice(2);
const server = http.createServer((req, res) => {
  fs.appendFileSync(log, req.method + " " + req.url + "\\n");
  const base = "http://127.0.0.1:" + server.address().port;
  if (req.url === "/tiny-greeting") {
    const integrity = "sha512-" + require("node:crypto").createHash("sha512").update(fs.readFileSync(tarball)).digest("base64");
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ name: "tiny-greeting", "dist-tags": { latest: "1.0.0" }, versions: { "1.0.0": { name: "tiny-greeting", version: "1.0.0", dist: { tarball: base + "/tiny-greeting/-/tiny-greeting-1.0.0.tgz", integrity } } } }));
  } else if (req.url === "/tiny-greeting/-/tiny-greeting-1.0.0.tgz") {
    res.setHeader("content-type", "application/octet-stream");
    fs.createReadStream(tarball).pipe(res);
  } else {
    res.statusCode = 404;
    res.end("{}");
  }
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
`;

describe.runIf(docker.run)("the README's headline pipeline", () => {
  let dir: string;
  let registry: ChildProcess;
  let port: number;
  const requestLog = () => readFileSync(join(dir, "registry.log"), "utf8").trim().split("\n").filter(Boolean);

  beforeAll(async () => {
    docker.assertAvailable();
    dir = mkdtempSync(join(tmpdir(), "pipec-headline-"));
    // The package: package/index.js in a gzipped tar, as npm packs it.
    const pkg = join(dir, "pkg", "package");
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "tiny-greeting", version: "1.0.0", main: "index.js" }));
    writeFileSync(join(pkg, "index.js"), 'module.exports = (name) => "hello, " + name;\n');
    const tarball = join(dir, "tiny-greeting-1.0.0.tgz");
    execFileSync("tar", ["-czf", tarball, "-C", join(dir, "pkg"), "package"]);
    writeFileSync(join(dir, "registry.log"), "");
    writeFileSync(join(dir, "registry.cjs"), REGISTRY);
    registry = spawn(process.execPath, [join(dir, "registry.cjs"), tarball, join(dir, "registry.log")], { stdio: ["ignore", "pipe", "inherit"] });
    port = await new Promise<number>((resolve, reject) => {
      registry.stdout!.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
      registry.once("exit", (code) => reject(new Error(`the registry stand-in exited with ${code}`)));
    });

    const project = join(dir, "project");
    mkdirSync(project);
    execFileSync("git", ["init", "-q"], { cwd: project });
    const integrity = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
    const files: Record<string, string> = {
      "ci.pipeline.ts": headlinePipeline(),
      ".gitignore": "node_modules/\ndist/\n.pipec/\n",
      ".npmrc": `registry=http://127.0.0.1:${port}/\naudit=false\nfund=false\nupdate-notifier=false\n`,
      "package.json": JSON.stringify({ name: "app", version: "1.0.0", private: true, scripts: { build: "node build.js", test: "node test.js" }, dependencies: { "tiny-greeting": "1.0.0" } }, null, 2),
      "package-lock.json": JSON.stringify(
        {
          name: "app",
          version: "1.0.0",
          lockfileVersion: 3,
          requires: true,
          packages: {
            "": { name: "app", version: "1.0.0", dependencies: { "tiny-greeting": "1.0.0" } },
            "node_modules/tiny-greeting": { version: "1.0.0", resolved: `http://127.0.0.1:${port}/tiny-greeting/-/tiny-greeting-1.0.0.tgz`, integrity },
          },
        },
        null,
        2,
      ),
      "build.js": 'const fs = require("node:fs");\nfs.mkdirSync("dist", { recursive: true });\nfs.writeFileSync("dist/greeting.txt", require("tiny-greeting")("pipec"));\n',
      "test.js": 'const fs = require("node:fs");\nconst got = fs.readFileSync("dist/greeting.txt", "utf8");\nif (got !== require("tiny-greeting")("pipec")) { console.error("unexpected: " + got); process.exit(1); }\nconsole.log("test passed: " + got);\n',
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(project, name), text);
  });

  afterAll(() => {
    registry?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("installs from the registry, builds and tests; the second run is a cache hit for both jobs", async () => {
    const project = join(dir, "project");
    const events = (stdout: string) => stdout.trim().split("\n").map((line) => JSON.parse(line) as { type: string; job?: string; hit?: boolean; status?: string; text?: string });

    const first = await runPipecAsync(["run", "--executor", "docker", "--json"], { cwd: project });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const firstEvents = events(first.stdout);
    expect(firstEvents.filter((e) => e.type === "job.finished").map((e) => [e.job, e.status])).toEqual(expect.arrayContaining([["build", "success"], ["test", "success"]]));
    expect(firstEvents).toContainEqual(expect.objectContaining({ type: "job.log", job: "test", text: "test passed: hello, pipec" }));
    const tarballRequests = requestLog().filter((line) => line.endsWith(".tgz")).length;
    expect(tarballRequests).toBe(2); // npm ci in build and in test

    const second = await runPipecAsync(["run", "--executor", "docker", "--json"], { cwd: project });
    expect(second.code).toBe(0);
    const hits = events(second.stdout).filter((e) => e.type === "job.cache" && e.hit).map((e) => e.job).sort();
    expect(hits).toEqual(["build", "test"]);
    expect(requestLog().filter((line) => line.endsWith(".tgz")).length).toBe(tarballRequests);
  }, 180_000);
});
