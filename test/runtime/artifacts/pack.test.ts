import { appendFileSync, copyFileSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openArtifactStore, type ArtifactStore } from "../../../runtime/artifacts/index.ts";
import { ArtifactIntegrityError } from "../../../runtime/artifacts/errors.ts";
import { storeLayout } from "../../../runtime/artifacts/layout.ts";
import { PACK_MIN_OBJECTS } from "../../../runtime/artifacts/pack.ts";
import { snapshotProject } from "../../../runtime/workspace/index.ts";

let root: string;
let project: string;
let store: ArtifactStore;
const FILES = PACK_MIN_OBJECTS + 36;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "pipec-pack-"));
  project = join(root, "project");
  for (let i = 0; i < FILES; i++) {
    const dir = join(project, "src", `d${i % 7}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `f${i}.ts`), `export const value${i} = ${i};\n`);
  }
  // Same bytes twice: one object.
  await writeFile(join(project, "copy.ts"), "export const value3 = 3;\n");
  await writeFile(join(project, "large.bin"), Buffer.alloc(300 * 1024, 7));
  store = openArtifactStore(join(root, "store"));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const packDir = () => join(root, "store", "objects", "pack");
const packFiles = () => readdirSync(packDir()).sort();
const looseObjects = () =>
  readdirSync(join(root, "store", "objects"))
    .filter((fan) => /^[0-9a-f]{2}$/.test(fan))
    .flatMap((fan) => readdirSync(join(root, "store", "objects", fan)));

let runs = 0;
async function snapshot() {
  const runId = `run-${++runs}`;
  const result = await snapshotProject({ projectDir: project, store, runId, pipeline: "p", pipecDir: join(root, "pipec") });
  return { ...result, runId };
}

function readTree(dir: string, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) Object.assign(out, readTree(dir, path));
    else out[path] = readFileSync(join(dir, path)).toString("base64");
  }
  return out;
}

describe("packs of a snapshot's small files", () => {
  it("stores many small files as one pack and its index, readable by checkout, restore and verify", async () => {
    const taken = await snapshot();
    expect(packFiles()).toHaveLength(2);
    expect(packFiles()[0]).toMatch(/^[0-9a-f]{64}\.idx$/);
    // Loose: the manifest and the file too large to pack, nothing else.
    expect(looseObjects()).toHaveLength(2);
    const expected = readTree(project);

    // A checkout without the bytes in memory reads them from the pack.
    await store.checkout(taken.entries, join(root, "checkout"));
    expect(readTree(join(root, "checkout"))).toEqual(expected);
    await store.restore(taken.record.id, join(root, "restored"));
    expect(readTree(join(root, "restored"))).toEqual(expected);
    expect(await store.verify()).toEqual([]);

    // A second snapshot of the same tree, its stat cache gone: the digests are found in the pack, nothing is written.
    rmSync(join(root, "pipec"), { recursive: true });
    const again = await snapshot();
    expect(again.record.manifest).toBe(taken.record.manifest);
    expect(packFiles()).toHaveLength(2);
  });

  it("a damaged byte in a pack fails restore and is named by verify", async () => {
    const taken = await snapshot();
    const pack = join(packDir(), packFiles().find((name) => name.endsWith(".pack"))!);
    const bytes = readFileSync(pack);
    bytes[0] = bytes[0]! ^ 1;
    rmSync(pack, { force: true });
    appendFileSync(pack, bytes);
    await expect(store.restore(taken.record.id, join(root, "restored"))).rejects.toBeInstanceOf(ArtifactIntegrityError);
    const problems = await store.verify();
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.kind === "corrupt-object")).toBe(true);
  });

  it("gc keeps a pack while an artifact uses it, and removes it whole once none does", async () => {
    const taken = await snapshot();
    await store.release(taken.runId);
    expect((await store.gc()).orphanObjects).toBe(0);
    expect(packFiles()).toHaveLength(2);
    rmSync(storeLayout(join(root, "store")).record(taken.record.id));
    const report = await store.gc();
    expect(report.orphanObjects).toBeGreaterThanOrEqual(FILES);
    expect(packFiles()).toEqual([]);
  });

  it("a pack without its index (a crash between the two renames) is trusted by no reader, and gc removes it", async () => {
    const taken = await snapshot();
    await store.release(taken.runId);
    const [index, pack] = packFiles();
    // A pack of another name without its index, as a crash would leave it; and this pack's index gone.
    copyFileSync(join(packDir(), pack!), join(packDir(), `${"0".repeat(64)}.pack`));
    rmSync(join(packDir(), index!));
    rmSync(join(root, "pipec"), { recursive: true });
    const again = await snapshot();
    // Nothing was taken from the untrusted packs: every small file was read and packed again.
    expect(again.hashed).toBe(taken.hashed);
    // Packed again under the same name (the index is the same), beside the stray pack.
    expect(packFiles()).toEqual([`${"0".repeat(64)}.pack`, index, pack]);
    await store.release(again.runId);
    await store.gc();
    expect(packFiles()).toEqual([index, pack]);
    expect(statSync(join(packDir(), pack!)).size).toBeGreaterThan(0);
    expect(await store.verify()).toEqual([]);
  });
});
