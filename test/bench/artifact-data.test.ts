import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { cachedOutputsDag, floorRestoreScript, floorStoreScript, shQuote, smallFilesLayout, totalBytes, writeRandomFile, writeSmallFiles } from "../../bench/artifact-data.ts";
import { generateDag, renderTs } from "../../bench/generate.ts";

const dslEntry = fileURLToPath(new URL("../../dsl/index.ts", import.meta.url));
const scratch: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), "pipec-artifact-data-test-"));
  scratch.push(dir);
  return dir;
};
afterEach(async () => {
  for (const dir of scratch.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe("smallFilesLayout", () => {
  it("spreads files round-robin over the directories, sizes within the range, the same for a seed", () => {
    const layout = smallFilesLayout({ count: 20_000, dirs: 100 });
    expect(layout).toHaveLength(20_000);
    expect(new Set(layout.map((file) => file.path)).size).toBe(20_000);
    expect(layout[0]).toMatchObject({ path: "d00/f00000.bin" });
    expect(layout[101]!.path).toBe("d01/f00101.bin");
    const perDir = new Map<string, number>();
    for (const file of layout) perDir.set(file.path.split("/")[0]!, (perDir.get(file.path.split("/")[0]!) ?? 0) + 1);
    expect(perDir.size).toBe(100);
    expect(new Set(perDir.values())).toEqual(new Set([200]));
    for (const file of layout) expect(file.size).toBeGreaterThanOrEqual(1024), expect(file.size).toBeLessThanOrEqual(8192);
    const mean = totalBytes(layout) / layout.length;
    expect(mean).toBeGreaterThan(4300), expect(mean).toBeLessThan(4900);
    expect(smallFilesLayout({ count: 50, seed: 7 })).toEqual(smallFilesLayout({ count: 50, seed: 7 }));
    expect(smallFilesLayout({ count: 50, seed: 7 })).not.toEqual(smallFilesLayout({ count: 50, seed: 8 }));
  });

  it("rejects bad counts and ranges", () => {
    expect(() => smallFilesLayout({ count: 0 })).toThrow(RangeError);
    expect(() => smallFilesLayout({ count: 3, dirs: 0 })).toThrow(RangeError);
    expect(() => smallFilesLayout({ count: 3, minBytes: 10, maxBytes: 5 })).toThrow(RangeError);
  });

  it("writes the files with their sizes", async () => {
    const dir = await tempDir();
    const layout = smallFilesLayout({ count: 30, dirs: 4, minBytes: 1, maxBytes: 64 });
    await writeSmallFiles(dir, layout, 5);
    expect((await readdir(dir)).sort()).toEqual(["d0", "d1", "d2", "d3"]);
    for (const file of layout) expect((await stat(join(dir, file.path))).size).toBe(file.size);
  });
});

describe("writeRandomFile", () => {
  it("writes exactly that many MiB", async () => {
    const file = join(await tempDir(), "sub", "r.bin");
    await writeRandomFile(file, 2);
    expect((await stat(file)).size).toBe(2 * 2 ** 20);
    await expect(writeRandomFile(file, 0)).rejects.toThrow(RangeError);
  });
});

describe("floor scripts", () => {
  it("quote paths for sh", () => {
    expect(shQuote("a b'c")).toBe(`'a b'\\''c'`);
    expect(floorStoreScript("/x/it's", "/y")).toBe(`find '/x/it'\\''s' -type f -print0 | xargs -0 -r sha256sum > /dev/null && cp -a '/x/it'\\''s' '/y'`);
  });

  it("hash and copy a tree, a file and an objects folder", async () => {
    const dir = await tempDir();
    const layout = smallFilesLayout({ count: 9, dirs: 3, minBytes: 1, maxBytes: 10 });
    await writeSmallFiles(join(dir, "tree"), layout);
    execFileSync("sh", ["-c", floorStoreScript(join(dir, "tree"), join(dir, "copy"))]);
    for (const file of layout) expect(await readFile(join(dir, "copy", file.path))).toEqual(await readFile(join(dir, "tree", file.path)));
    execFileSync("sh", ["-c", floorRestoreScript(join(dir, "tree"), join(dir, "tree", layout[0]!.path), join(dir, "one"))]);
    expect((await stat(join(dir, "one"))).size).toBe(layout[0]!.size);
    expect(() => execFileSync("sh", ["-c", floorStoreScript(join(dir, "missing"), join(dir, "x"))], { stdio: "ignore" })).toThrow();
  });
});

describe("cachedOutputsDag", () => {
  it("keeps generateDag's edges, as inputs, and gives every job an output it writes", () => {
    const dag = cachedOutputsDag(20, 1);
    const base = generateDag(20, 1);
    expect(dag.jobs).toHaveLength(20);
    expect(dag.edges).toBe(base.edges);
    dag.jobs.forEach((job, i) => {
      expect(job.needs).toEqual([]);
      expect(job.inputs).toEqual(base.jobs[i]!.needs.map((need) => ({ job: need, output: "out" })));
      expect(job.outputs).toEqual({ out: `out/${job.name}.txt` });
      expect(job.scripts).toEqual([`mkdir -p out && echo ${job.name} > out/${job.name}.txt`]);
    });
  });

  it("renders to a TypeScript pipeline whose jobs declare the outputs and take their needs' outputs", async () => {
    const dag = cachedOutputsDag(20, 1);
    const text = renderTs(dag, { image: "pipec-test/busybox:1" });
    expect(text.split("\n")[0]).toBe('import { pipeline, job, output } from "pipec";');
    const bundle = await build({
      stdin: { contents: text, loader: "ts", resolveDir: process.cwd(), sourcefile: "cached.pipeline.ts" },
      bundle: true,
      write: false,
      format: "esm",
      platform: "node",
      alias: { pipec: dslEntry },
      logLevel: "silent",
    });
    const url = `data:text/javascript;base64,${Buffer.from(bundle.outputFiles[0]!.text).toString("base64")}`;
    type Job = { name: string; options: { inputs?: { job: string; output: string }[]; outputs?: Record<string, { paths: string[] }>; image: string } };
    const { default: pipeline } = (await import(/* @vite-ignore */ url)) as { default: { name: string; options: { jobs: Job[] } } };
    expect(pipeline.name).toBe("cached-20");
    pipeline.options.jobs.forEach((job, i) => {
      expect(job.options.image).toBe("pipec-test/busybox:1");
      expect(job.options.outputs?.out?.paths).toEqual([`out/${job.name}.txt`]);
      expect((job.options.inputs ?? []).map((input) => `${input.job}.${input.output}`)).toEqual(dag.jobs[i]!.inputs!.map((input) => `j${input.job}.out`));
    });
  });
});
