/** The job files memo (job-files-memo.ts): a digest is computed once per snapshot manifest and patterns, never taken from another manifest or a damaged file. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { JOB_FILES_MEMO, openJobFilesMemo } from "../../../runtime/run/job-files-memo.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pipec-job-files-memo-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const manifest = (n: number) => String(n).repeat(64);
const digest = (n: number) => String(n).repeat(64);

describe("the job files memo", () => {
  it("computes a digest once per patterns, and the next run of the same snapshot reads it back", () => {
    let computed = 0;
    const compute = (value: string) => () => (computed++, value);
    const first = openJobFilesMemo(dir, manifest(1));
    expect(first.digest(["src/**"], compute(digest(2)))).toBe(digest(2));
    expect(first.digest(null, compute(digest(3)))).toBe(digest(3));
    expect(first.digest(["src/**"], compute(digest(9)))).toBe(digest(2));
    const next = openJobFilesMemo(dir, manifest(1));
    expect(next.digest(["src/**"], compute(digest(9)))).toBe(digest(2));
    expect(next.digest(null, compute(digest(9)))).toBe(digest(3));
    expect(computed).toBe(2);
  });

  it("never answers for another snapshot, and keeps only the newest one's digests", () => {
    openJobFilesMemo(dir, manifest(1)).digest(null, () => digest(2));
    const other = openJobFilesMemo(dir, manifest(4));
    expect(other.digest(null, () => digest(5))).toBe(digest(5));
    expect(openJobFilesMemo(dir, manifest(1)).digest(null, () => digest(6))).toBe(digest(6));
    expect(Object.keys(JSON.parse(readFileSync(join(dir, JOB_FILES_MEMO), "utf8")).digests)).toEqual(["null"]);
  });

  it.each([
    ["not JSON", "{"],
    ["another format", JSON.stringify({ format: "x", manifest: manifest(1), digests: { null: digest(2) } })],
    ["a digest that is not one", JSON.stringify({ format: "pipec-job-files/1", manifest: manifest(1), digests: { null: "../x" } })],
  ])("reads a damaged file (%s) as empty", (_, text) => {
    writeFileSync(join(dir, JOB_FILES_MEMO), text);
    expect(openJobFilesMemo(dir, manifest(1)).digest(null, () => digest(7))).toBe(digest(7));
  });

  it("still answers when it cannot write", () => {
    expect(openJobFilesMemo(join(dir, "missing", "folder"), manifest(1)).digest(null, () => digest(8))).toBe(digest(8));
  });
});
