/** The engine-file printer: whatever it prints, a YAML parser reads back as the same document. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { printYaml } from "../../../compiler/targets/common/yaml-printer.ts";

const GOLDEN = join(import.meta.dirname, "..", "..", "fixtures", "target-outputs");
const STRINGS = [
  "", " ", "plain", "true", "no", "null", "~", "1", "1.5", "0x1F", "-1", ".5", "1e3", "1:30", "a: b", "a #b", "a#b", "#x", "- x", "-x", "--flag", "? x", ":x",
  "x:", "'q'", '"q"', "{a}", "${{ github.sha }}", "[x]", "*ref", "&a", "!tag", "|", ">", "%", "@", "`", "tab\there", "trailing ", " leading",
  "line\n", "two\nlines", "two\nlines\n", "ends\n\n", "\nstarts with newline", " indented\nsecond", "blank\n  \nline", "cr\r\nlf", "unicode é ✓", "\u0007bell",
  "---", "...", "a\\b", "sh -c 'x'", "=", "<<",
];

describe("printYaml", () => {
  it.each(STRINGS)("%j reads back as itself", (text) => {
    const document = { key: text, list: [text, { inner: text }], [text || "empty"]: 1 };
    expect(parse(printYaml(document))).toEqual(document);
  });

  it("prints nested maps, sequences, empties and numbers", () => {
    const document = { a: { b: [1, true, null, { c: [], d: {} }, [2, 3]] }, e: [], f: {}, g: -2.5 };
    expect(parse(printYaml(document))).toEqual(document);
  });

  it.each(readdirSync(GOLDEN).flatMap((dir) => readdirSync(join(GOLDEN, dir)).filter((f) => f.endsWith(".yml")).map((f) => join(dir, f))))("%s reads back, and prints again to the same bytes", (file) => {
    const text = readFileSync(join(GOLDEN, file), "utf8");
    const document = parse(text) as unknown;
    expect(printYaml(document)).toBe(text.slice(text.indexOf("\n") + 1));
    expect(parse(printYaml(document))).toEqual(parse(stringify(document)));
  });
});
