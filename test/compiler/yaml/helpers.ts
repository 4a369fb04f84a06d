/** Test helpers for the YAML front end. */
import { expect } from "vitest";
import { dedupeDiagnostics, hasErrors, sortDiagnostics, type Diagnostic } from "../../../compiler/diagnostic.ts";
import { validateDraft } from "../../../compiler/validate/index.ts";
import type { Plan } from "../../../runtime/plan/schema.ts";
import type { Draft } from "../../../compiler/draft.ts";
import { loadYamlPipeline } from "../../../compiler/yaml/index.ts";

export const FILE = "pipeline.yaml";

/** A template tag that removes the common indentation and the first and last blank lines. */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const raw = strings.reduce((text, part, index) => text + part + (index < values.length ? String(values[index]) : ""), "");
  const lines = raw.replace(/^\n/, "").replace(/\n[ \t]*$/, "").split("\n");
  const indent = Math.min(...lines.filter((line) => line.trim() !== "").map((line) => /^ */.exec(line)?.[0].length ?? 0));
  return `${lines.map((line) => line.slice(indent)).join("\n")}\n`;
}

/** Loads text that must compile cleanly and returns its draft. */
export function compile(text: string): Draft {
  const { draft, diagnostics } = loadYamlPipeline(text, FILE);
  expect(diagnostics).toEqual([]);
  if (!draft) throw new Error("no draft");
  return draft;
}

/** `line:column code` for each diagnostic, the shape most error tests compare. */
export function positions(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => `${d.location?.line ?? "?"}:${d.location?.column ?? "?"} ${d.code}`);
}

export function at(line: number, column: number) {
  return { file: FILE, line, column };
}

/**
 * What a build of the text reports: the loader's diagnostics and validation's on what could be read,
 * once each, in source order (as `compileFile` does), and the plan when there is no error.
 */
export function diagnose(text: string): { plan: Plan | null; diagnostics: Diagnostic[] } {
  const { draft, diagnostics } = loadYamlPipeline(text, FILE);
  if (!draft) return { plan: null, diagnostics };
  const validated = validateDraft(draft);
  const all = sortDiagnostics(dedupeDiagnostics([...diagnostics, ...validated.diagnostics]));
  return { plan: hasErrors(all) ? null : validated.plan, diagnostics: all };
}
