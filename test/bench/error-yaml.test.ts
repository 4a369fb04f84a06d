import { expect, it } from "vitest";
import { ERRORS_PER_JOB, renderErrorYaml } from "../../bench/error-yaml.ts";
import { guardDiagnostics } from "../../bench/guards/diagnostics-guard.ts";
import { loadYamlPipeline } from "../../compiler/yaml/index.ts";
import { validateDraft } from "../../compiler/validate/index.ts";

it("generates the size asked for, with exactly the errors asked for, all reported", () => {
  const text = renderErrorYaml(400, 30_000);
  expect(30_000 - text.length).toBeGreaterThanOrEqual(0);
  expect(30_000 - text.length).toBeLessThan(40);
  const { draft, diagnostics } = loadYamlPipeline(text, "e.yaml");
  const all = [...diagnostics, ...validateDraft(draft!).diagnostics];
  expect(all.filter((d) => d.severity === "error")).toHaveLength(400);
  expect(guardDiagnostics({ diagnostics: all }, { errors: 400, file: "e.yaml" })).toEqual({ valid: true });
  expect(400 % ERRORS_PER_JOB).toBe(0);
});

it("guards: a short list, no list or an unlocated error is INVALID", () => {
  const d = { severity: "error", location: { file: "e.yaml" } };
  expect(guardDiagnostics({ diagnostics: [d] }, { errors: 2, file: "e.yaml" })).toMatchObject({ valid: false, reason: "validate reported 1 errors; the file has 2" });
  expect(guardDiagnostics({}, { errors: 1, file: "e.yaml" })).toMatchObject({ valid: false });
  expect(guardDiagnostics({ diagnostics: [{ severity: "error", location: null }] }, { errors: 1, file: "e.yaml" })).toMatchObject({ valid: false });
});
