/**
 * The loading thread's time limit and what pipec reads of thrown values, in-process (from the sources,
 * so the thread's script is bundled on the fly): the end-to-end cases are in test/cli/pipeline-sandbox.test.ts.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_LOAD_TIMEOUT_MS } from "../../../compiler/typescript/evaluate.ts";
import { loadTypeScriptPipeline } from "../../../compiler/typescript/load-typescript.ts";
import { thrownFacts } from "../../../compiler/typescript/thrown.ts";

let dir: string;
// The temporary folder of this file's loads only (TMPDIR is this process's): other test files and
// other pipec processes on the machine load pipelines in the shared one at the same time.
const systemTmp = tmpdir();
const savedTmpdir = process.env.TMPDIR;
const loads = () => readdirSync(tmpdir()).filter((name) => name.startsWith("pipec-load-"));

beforeAll(() => {
  dir = mkdtempSync(join(systemTmp, "pipec-load-sandbox-"));
  mkdirSync(join(dir, "tmp"));
  process.env.TMPDIR = join(dir, "tmp");
});
afterAll(() => {
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
  rmSync(dir, { recursive: true, force: true });
});

describe("the time limit of loading", () => {
  it("is 30 seconds by default", () => {
    expect(DEFAULT_LOAD_TIMEOUT_MS).toBe(30_000);
  });

  it("ends an endless loop with a located diagnostic naming the limit", async () => {
    const file = join(dir, "spins.pipeline.ts");
    writeFileSync(file, `import { pipeline } from "pipec";\nwhile (true) {}\nexport default pipeline("p", { jobs: [] });\n`);
    const before = loads().length;
    const started = Date.now();
    const loaded = await loadTypeScriptPipeline(file, { timeoutMs: 500 });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(loaded.draft).toBeNull();
    expect(loaded.diagnostics).toEqual([
      expect.objectContaining({ code: "load-failed", location: { file: "spins.pipeline.ts", line: 1, column: 1 }, message: expect.stringMatching(/^the pipeline did not finish loading in 500ms: /) }),
    ]);
    expect(loads().length).toBeLessThanOrEqual(before);
  }, 60_000);

  it("lets a pipeline that loads in time through, with its draft located", async () => {
    const file = join(dir, "quick.pipeline.ts");
    writeFileSync(file, `import { job, pipeline } from "pipec";\nawait new Promise((done) => setTimeout(done, 50));\nexport default pipeline("p", { jobs: [job("a", { image: "busybox:1.36", steps: ["true"] })] });\n`);
    const loaded = await loadTypeScriptPipeline(file, { timeoutMs: 10_000 });
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.draft?.plan.jobs.a?.source).toEqual({ file: "quick.pipeline.ts", line: 3, column: 39 });
    expect(loaded.draft?.locate(["jobs", "a", "steps", 0])).toEqual({ file: "quick.pipeline.ts", line: 3, column: 39 });
  }, 60_000);
});

describe("thrownFacts", () => {
  it.each<[string, unknown, string]>([
    ["an Error", new Error("boom"), "boom"],
    ["a string", "plain", "plain"],
    ["null", null, "null"],
    ["an object whose getters throw", { get message() { throw new Error("x"); } }, "a value pipec cannot describe"],
    ["an object with no prototype", Object.create(null), "a value pipec cannot describe"],
  ])("%s", (_, thrown, message) => {
    expect(thrownFacts(thrown).message).toBe(message);
  });

  it("keeps an Error's stack frames, without the message line", () => {
    const frames = thrownFacts(new Error("boom")).frames;
    expect(frames[0]).toMatch(/^at /);
  });
});
