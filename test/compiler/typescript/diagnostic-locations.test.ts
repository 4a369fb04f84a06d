/** End to end: the real `pipec` binary points every error in a TypeScript pipeline at the property the author wrote. */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPipec } from "../../cli/run-pipec.ts";

const FIXTURE = join(import.meta.dirname, "..", "..", "fixtures", "ts-property-locations");
let dir: string;

beforeAll(() => {
  // A copy: the build writes its type-check cache next to where it runs.
  dir = mkdtempSync(join(tmpdir(), "pipec-locations-"));
  cpSync(FIXTURE, dir, { recursive: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Each error as `line:col code`, with the source text the location points at. */
const EXPECTED = [
  ["5:3 out-of-range", "retry: 99"],
  ["6:3 schema", 'timeout: "10 parsecs"'],
  ["12:14 unknown-variable", 'FOO: "${BAR_DIR}"'],
  ["14:36 schema", 'timeout: "a fortnight"'],
  ["21:69 schema", 'timeout: "soonish"'],
  ["26:20 invalid-image", 'image: "Web:2"'],
  ["27:45 schema", 'interval: "often"'],
];

const HEADER = /^ci\.pipeline\.ts:(\d+):(\d+): error\[([a-z-]+)\]/gm;

describe("pipec build on a TypeScript pipeline with errors", () => {
  it("reports each error once, at the author's property, in source order", () => {
    const result = runPipec(["build", "ci.pipeline.ts"], { cwd: dir });
    expect(result.code).toBe(2);
    const found = [...result.stderr.matchAll(HEADER)].map(([, line, column, code]) => `${line}:${column} ${code}`);
    expect(found).toEqual(EXPECTED.map(([where]) => where));
    // The checker's TS2322 for the same durations is dropped: pipec's message says what to write instead.
    expect(result.stderr).not.toContain("error[typescript]");
    expect(result.stderr).toMatch(/^7 errors$/m);
  });

  it("frames the property: the caret sits under the text it names", () => {
    const result = runPipec(["build", "ci.pipeline.ts"], { cwd: dir });
    const blocks = result.stderr.split("\n\n").filter((block) => /^ci\.pipeline\.ts:\d+:\d+: error\[/.test(block));
    expect(blocks).toHaveLength(EXPECTED.length);
    blocks.forEach((block, index) => {
      const lines = block.split("\n");
      const source = lines.find((line) => line.startsWith(">"))!.replace(/^> *\d+ \| /, "");
      const caret = lines.find((line) => line.trimEnd().endsWith("^"))!;
      const column = caret.indexOf("^") - caret.indexOf("|") - 2;
      expect(source.slice(column)).toMatch(new RegExp(`^${EXPECTED[index]![1]!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    });
  });

  it("gives the same locations and order as data (validate --json), with or without the type check", () => {
    for (const args of [["validate", "--json", "ci.pipeline.ts"], ["validate", "--json", "--no-typecheck", "ci.pipeline.ts"]]) {
      const result = runPipec(args, { cwd: dir });
      const { diagnostics } = JSON.parse(result.stdout) as { diagnostics: { code: string; location: { line: number; column: number } }[] };
      expect(diagnostics.map((d) => `${d.location.line}:${d.location.column} ${d.code}`)).toEqual(EXPECTED.map(([where]) => where));
    }
  });
});
