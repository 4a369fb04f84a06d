import { describe, expect, it } from "vitest";
import {
  VariableCycleError,
  VariableTemplateError,
  findDefinitionCycle,
  parseTemplate,
  resolveDefinitions,
  substitute,
  type VariableRef,
} from "../../runtime/plan/variables.ts";

const ref = (name: string, operator: VariableRef["operator"], offset: number): VariableRef => ({ name, operator, offset });

describe("parseTemplate", () => {
  it.each<[string, VariableRef[]]>([
    ["plain text", []],
    ["${A}", [ref("A", null, 0)]],
    ["x-${_a1}/${B:-def}", [ref("_a1", null, 2), ref("B", ":-", 9)]],
    ["${A:+alt}", [ref("A", ":+", 0)]],
    ["${A:-${B:-${C}}/x}", [ref("A", ":-", 0), ref("B", ":-", 5), ref("C", null, 10)]],
    ["$$ $${A} $HOME $ end$", []],
    ["${{ matrix.os }} ${A}", [ref("A", null, 17)]],
    ["${{ format('}}', x) }}${B}", [ref("B", null, 22)]],
    ["${A:-}", [ref("A", ":-", 0)]],
  ])("finds the references in %j", (text, refs) => {
    expect(parseTemplate(text)).toEqual({ ok: true, refs });
  });

  it.each<[string, string, number]>([
    ["abc ${A", "unterminated '${': expected '}'", 4],
    ["${", "unterminated '${': expected '}'", 0],
    ["${A:-${B}", "unterminated '${': expected '}'", 0],
    ["${A:-x${B", "unterminated '${': expected '}'", 6],
    ["x${}", "empty variable name in '${'", 1],
    ["${-x}", "empty variable name in '${'", 0],
    ["${1X}", "invalid variable name '1X': names start with a letter or '_'", 2],
    ["${X:?y}", "unknown operator ':?' in ${X...}; use ':-' (default) or ':+' (alternative)", 3],
    ["${X-y}", "unknown operator '-' in ${X...}; use ':-' (default) or ':+' (alternative)", 3],
    ["${A B}", "unknown operator ' ' in ${A...}; use ':-' (default) or ':+' (alternative)", 3],
  ])("rejects %j: %s at %d", (text, message, offset) => {
    expect(parseTemplate(text)).toEqual({ ok: false, message, offset });
  });
});

describe("substitute", () => {
  const values: Record<string, string> = { A: "a", EMPTY: "", B: "b" };
  const lookup = (name: string): string | undefined => values[name];
  it.each([
    ["${A}/${B}", "a/b"],
    ["${MISSING}", ""],
    ["${A:-d}", "a"],
    ["${EMPTY:-d}", "d"],
    ["${MISSING:-d}", "d"],
    ["${A:+alt}", "alt"],
    ["${EMPTY:+alt}", ""],
    ["${MISSING:+alt}", ""],
    ["${MISSING:-${B}-${A:+x}}", "b-x"],
    ["${MISSING:-${ALSO:-deep}}", "deep"],
    ["$$A costs $$5 and ${A}", "$A costs $5 and a"],
    ["$${A}", "${A}"],
    ["$HOME and ${A}", "$HOME and a"],
    ["${{ env.A }} ${A}", "${{ env.A }} a"],
    ["trailing $", "trailing $"],
  ])("%j -> %j", (text, expected) => {
    expect(substitute(text, lookup)).toBe(expected);
  });

  it("inserts values verbatim without scanning them again", () => {
    expect(substitute("${A}", () => "${B} $$")).toBe("${B} $$");
  });

  it("throws a VariableTemplateError with the offset on a malformed template", () => {
    expect(() => substitute("ok ${1X}", lookup)).toThrow(VariableTemplateError);
    try {
      substitute("ok ${1X}", lookup);
    } catch (error) {
      expect((error as VariableTemplateError).offset).toBe(5);
    }
  });
});

describe("resolveDefinitions", () => {
  const outer = (name: string): string | undefined => ({ HOME: "/home/ci", PATH: "/usr/bin" })[name];

  it("resolves chains in any order and falls back to the outer lookup", () => {
    const defs = { DIST: "${OUT}/dist", OUT: "${ROOT:-${HOME}}/out", IMAGE: "app:${TAG:-latest}", ROOT: "" };
    expect(resolveDefinitions(defs, outer)).toEqual({
      DIST: "/home/ci/out/dist",
      IMAGE: "app:latest",
      OUT: "/home/ci/out",
      ROOT: "",
    });
  });

  it("reads the outer value when a definition references itself", () => {
    expect(resolveDefinitions({ PATH: "/opt/bin:${PATH}" }, outer)).toEqual({ PATH: "/opt/bin:/usr/bin" });
  });

  it("throws a VariableCycleError naming the route", () => {
    const run = () => resolveDefinitions({ A: "${B}", B: "x${C:-y}", C: "${A}" }, outer);
    expect(run).toThrow(VariableCycleError);
    expect(run).toThrow("variables reference each other in a cycle: A -> B -> C -> A");
    try {
      run();
    } catch (error) {
      expect((error as VariableCycleError).cycle).toEqual(["A", "B", "C", "A"]);
    }
  });
});

describe("findDefinitionCycle", () => {
  it.each<[Record<string, string>, string[] | null]>([
    [{}, null],
    [{ A: "${B}", B: "b" }, null],
    [{ A: "${A}" }, null],
    [{ A: "${B}", B: "${A}" }, ["A", "B", "A"]],
    [{ B: "${A}", A: "${B}" }, ["A", "B", "A"]],
    [{ A: "${B:+x}", B: "${A:-y}" }, ["A", "B", "A"]],
    // The long loop A -> B -> C -> D -> A loses to the short one C -> D -> C.
    [{ A: "${B}", B: "${C}", C: "${D}", D: "${A}${C}" }, ["C", "D", "C"]],
    [{ X: "${Y}", Y: "${Z}", Z: "${X}", Q: "${X}" }, ["X", "Y", "Z", "X"]],
    [{ A: "${1bad}", B: "${A}" }, null],
    [{ A: "$${B}", B: "${A}" }, null],
  ])("%j -> %j", (defs, expected) => {
    expect(findDefinitionCycle(defs)).toEqual(expected);
  });
});
