/** Temp workspaces and stores for the artifact tests, on real files. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach } from "vitest";
import { openArtifactStore, type ArtifactStoreOptions, type CollectMeta } from "../../../runtime/artifacts/index.ts";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix = "pipec-artifacts-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export type TreeSpec = Record<string, string | { content: string; mode: number } | { link: string }>;

/** Writes files (string or with a mode) and symlinks (`{ link }`) under `root`. */
export function writeTree(root: string, tree: TreeSpec): string {
  for (const [path, spec] of Object.entries(tree)) {
    const abs = join(root, path);
    mkdirSync(dirname(abs), { recursive: true });
    if (typeof spec === "string") writeFileSync(abs, spec);
    else if ("link" in spec) symlinkSync(spec.link, abs);
    else {
      writeFileSync(abs, spec.content);
      chmodSync(abs, spec.mode);
    }
  }
  return root;
}

/** A fake clock starting at 2030-01-01 that tests move by hand. */
export function fakeClock(start = Date.parse("2030-01-01T00:00:00Z")) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

export function newStore(options: ArtifactStoreOptions = {}) {
  const root = join(tempDir("pipec-store-"), "store");
  return openArtifactStore(root, options);
}

export const META: CollectMeta = { name: "dist", job: "build", runId: "run-1", pipeline: "web" };
export const DAY = 86_400_000;
