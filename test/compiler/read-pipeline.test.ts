/** Reading a pipeline file: what is wrong with the file itself, said with what to do. */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileFile } from "../../compiler/index.ts";
import { binaryContent, readFailure, readPipelineText } from "../../compiler/read-pipeline.ts";
import { PIPEC } from "../cli/run-pipec.ts";

const errno = (code: string) => Object.assign(new Error(code), { code });

describe("readFailure", () => {
  it.each([
    ["ENOENT", [], "ci.yaml does not exist", "check the path"],
    ["EACCES", [], "ci.yaml cannot be read (permission denied)", "check the file's permissions with ls -l ci.yaml; pipec must be able to read it (chmod +r ci.yaml, or run pipec as a user who can)"],
    ["EPERM", [], "ci.yaml cannot be read (permission denied)", "check the file's permissions"],
    ["EISDIR", [], "ci.yaml is a directory", "pass the pipeline file, not the folder; ci.yaml holds no *.pipeline.ts, *.yaml or *.yml file"],
    ["EISDIR", ["ci.pipeline.ts"], "ci.yaml is a directory", "pass the pipeline file, not the folder: pipec build ci.yaml/ci.pipeline.ts"],
    ["EISDIR", ["a.yml", "b.yaml"], "ci.yaml is a directory", "pass the pipeline file, not the folder; it holds ci.yaml/a.yml, ci.yaml/b.yaml"],
    ["EISDIR", ["1.yaml", "2.yaml", "3.yaml", "4.yaml", "5.yaml", "6.yaml", "7.yaml"], "ci.yaml is a directory", ", ci.yaml/5.yaml, and 2 more"],
  ])("%s %j", (code, found, message, hint) => {
    const d = readFailure("ci.yaml", errno(code), found);
    expect(d).toMatchObject({ code: "load-failed", severity: "error", message, location: null });
    expect(d.hint).toContain(hint);
  });

  it("names an unexpected error without a hint it cannot give", () => {
    expect(readFailure("ci.yaml", errno("EIO")).message).toBe("ci.yaml cannot be read (EIO)");
  });
});

describe("binaryContent", () => {
  const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : Buffer.from(p))));
  it.each([
    ["plain YAML", bytes("name: ci\njobs:\n  a:\n    steps: [make]\n"), null],
    ["UTF-8 text with accents and emoji", bytes("name: café ✓ 🚀\r\n\tx: 1\n"), null],
    ["a UTF-8 BOM", bytes([0xef, 0xbb, 0xbf], "name: ci\n"), null],
    ["a few stray control characters", bytes("name: ci \u001b[31m red\n", "x".repeat(200)), null],
    ["a multibyte character cut by the end of the sample", bytes("a".repeat(8191), "é"), null],
    ["a NUL byte", bytes("name: ci\n", [0], "x"), { byte: 10, utf16: false }],
    ["mostly bytes that are not UTF-8", bytes("ab", [0xff, 0x80, 0x81, 0x01, 0x02, 0xc3, 0x28, 0xfe]), { byte: 3, utf16: false }],
    ["UTF-16", bytes([0xff, 0xfe], [0x6e, 0, 0x61, 0]), { byte: 1, utf16: true }],
  ])("%s", (_, input, expected) => expect(binaryContent(input)).toEqual(expected));

  it("looks at the first 8 KB only", () => {
    expect(binaryContent(Buffer.concat([Buffer.from("a".repeat(8192)), Buffer.from([0])]))).toBeNull();
  });
});

describe("readPipelineText", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "pipec-read-"));
    mkdirSync(join(dir, "pipelines.yaml"));
    writeFileSync(join(dir, "pipelines.yaml", "ci.pipeline.ts"), "");
    writeFileSync(join(dir, "bin.yaml"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]));
    writeFileSync(join(dir, "locked.yaml"), "name: ci\n");
    chmodSync(join(dir, "locked.yaml"), 0o000);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("lists the pipeline files of a folder passed for a file", async () => {
    const { diagnostic } = await readPipelineText(join(dir, "pipelines.yaml"));
    expect(diagnostic?.hint).toBe(`pass the pipeline file, not the folder: pipec build ${join(dir, "pipelines.yaml", "ci.pipeline.ts")}`);
  });

  it("stops at binary content before any parser sees it, for YAML and TypeScript alike", async () => {
    expect((await readPipelineText(join(dir, "bin.yaml"))).diagnostic?.message).toBe(`${join(dir, "bin.yaml")}: this is not a text file (binary content at byte 9); a pipeline is YAML or TypeScript text`);
    writeFileSync(join(dir, "bin.pipeline.ts"), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]));
    const result = await compileFile(join(dir, "bin.pipeline.ts"), { cacheDir: null });
    expect(result.diagnostics.map((d) => [d.code, d.location])).toEqual([["load-failed", null]]);
    expect(result.diagnostics[0]!.message).toContain("this is not a text file (binary content at byte 8)");
  });

  // Root reads any file, so the end-to-end case runs pipec as nobody; without root or setpriv the unit cases above cover the message.
  const root = process.getuid?.() === 0;
  const setpriv = root && spawnSync("setpriv", ["--version"]).status === 0;
  // Under CI it must run: a machine without root or setpriv fails it rather than skip it.
  it.skipIf(!setpriv && !process.env.CI)("tells a user who cannot read the file to check its permissions (as nobody, via setpriv)", () => {
    chmodSync(dir, 0o755);
    const run = spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, PIPEC, "build", "locked.yaml"], { cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("error[load-failed]: locked.yaml cannot be read (permission denied)\n  hint: check the file's permissions with ls -l locked.yaml");
  });
});
