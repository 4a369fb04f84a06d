/** Rendering never hands a control character to the terminal: source lines, messages and hints are escaped. */
import { describe, expect, it } from "vitest";
import { codeFrame, renderDiagnostic } from "../../compiler/index.ts";
import { error } from "../../compiler/diagnostic.ts";

describe("codeFrame", () => {
  it("escapes control characters and keeps the caret under the column", () => {
    const source = "name: ci\n\u001b[2Jkey: \u0007x\u202eyz\nnext: 1\n";
    expect(codeFrame(source, 2, 15)).toMatchInlineSnapshot(`
      "  1 | name: ci
      > 2 | \\x1b[2Jkey: \\x07x\\u202eyz
          |                          ^"
    `);
  });

  it("keeps tabs, so the caret lines up under tabbed text, and escapes a lone carriage return", () => {
    expect(codeFrame("\tkey:\rvalue", 1, 7)).toBe("> 1 | \tkey:\\x0dvalue\n    | \t        ^");
  });

  it("leaves ordinary text alone", () => {
    expect(codeFrame("name: café ✓", 1, 7)).toBe("> 1 | name: café ✓\n    |       ^");
  });
});

describe("renderDiagnostic", () => {
  it("escapes control characters in the message and hint, not the line breaks", () => {
    const d = error("unknown-field", 'unknown field "\u001b[31mbogus"\nsecond line', { file: "ci.yaml", line: 1, column: 1 }, "remove \u001b[0m it");
    expect(renderDiagnostic(d)).toBe('ci.yaml:1:1: error[unknown-field]: unknown field "\\x1b[31mbogus"\nsecond line\n  hint: remove \\x1b[0m it');
  });
});
