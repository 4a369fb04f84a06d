/**
 * The digest of the project files each job key takes (filesDigest), remembered for the snapshot it
 * was taken of in `.pipec/job-files.json`. It is a pure function of the snapshot's entries, which
 * the snapshot's manifest digest names, and of the key's patterns: a run on an unchanged tree reads
 * its keys' digests back instead of matching and hashing every path again (10,000 paths cost about
 * as much as the rest of a cached run's job-cache work). Only the newest manifest's digests are kept;
 * anything damaged or unexpected reads as empty, and a failed write costs the next run a recount.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const JOB_FILES_MEMO = "job-files.json";
const FORMAT = "pipec-job-files/1";
const DIGEST = /^[0-9a-f]{64}$/;

export interface JobFilesMemo {
  /** The digest for `patterns` (null: every file), computing it with `compute` (and remembering it) when it is not known. */
  digest(patterns: readonly string[] | null, compute: () => string): string;
}

/** The memo of `pipecDir` for the snapshot whose manifest digest is `manifest`. */
export function openJobFilesMemo(pipecDir: string, manifest: string): JobFilesMemo {
  const file = join(pipecDir, JOB_FILES_MEMO);
  const known = new Map(Object.entries(readDigests(file, manifest)));
  return {
    digest(patterns, compute) {
      const key = JSON.stringify(patterns);
      const found = known.get(key);
      if (found !== undefined) return found;
      const digest = compute();
      known.set(key, digest);
      try {
        const temp = `${file}.${process.pid}.tmp`;
        writeFileSync(temp, `${JSON.stringify({ format: FORMAT, manifest, digests: Object.fromEntries(known) })}\n`);
        renameSync(temp, file);
      } catch {
        // Best effort: the next run computes it again.
      }
      return digest;
    },
  };
}

function readDigests(file: string, manifest: string): Record<string, string> {
  try {
    const value = JSON.parse(readFileSync(file, "utf8")) as { format?: unknown; manifest?: unknown; digests?: unknown };
    if (value.format !== FORMAT || value.manifest !== manifest || value.digests === null || typeof value.digests !== "object") return {};
    const digests = value.digests as Record<string, unknown>;
    return Object.values(digests).every((digest) => typeof digest === "string" && DIGEST.test(digest)) ? (digests as Record<string, string>) : {};
  } catch {
    return {};
  }
}
