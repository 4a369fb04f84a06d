/**
 * A target profile file (`pipec.targets.ts`): type-checked like a pipeline, bundled and evaluated, its
 * default export validated by the profile schema. Problems are diagnostics at the profile's lines.
 */
import { basename } from "node:path";
import { error, type Diagnostic } from "../diagnostic.ts";
import { bundlePipeline } from "../typescript/bundle.ts";
import { evaluateProfileBundle } from "./evaluate-profile.ts";
import { typecheckPipeline } from "../typescript/typecheck.ts";
import { TargetProfileSchema, type TargetProfileInput } from "./types.ts";

export interface ProfileLoad {
  readonly profile: TargetProfileInput | null;
  readonly diagnostics: Diagnostic[];
}

export async function loadTargetProfile(file: string, options: { readonly typecheck: boolean }): Promise<ProfileLoad> {
  const where = { file: basename(file), line: 1, column: 1 };
  const typeErrors = options.typecheck ? (await typecheckPipeline(file)).filter((d) => d.severity === "error") : [];
  if (typeErrors.length > 0) return { profile: null, diagnostics: typeErrors };
  const { bundle, diagnostics } = await bundlePipeline(file);
  if (!bundle) return { profile: null, diagnostics };
  const evaluated = await evaluateProfileBundle(bundle.code);
  if (evaluated.thrown !== undefined) {
    const message = evaluated.thrown instanceof Error ? evaluated.thrown.message : String(evaluated.thrown);
    return { profile: null, diagnostics: [error("load-failed", `the profile threw while loading: ${message}`, where)] };
  }
  const parsed = TargetProfileSchema.safeParse(evaluated.exports?.default);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.length === 0 ? "the default export" : issue.path.join(".")}: ${issue.message}`);
    return {
      profile: null,
      diagnostics: [error("schema", `${basename(file)} is not a target profile: ${issues.join("; ")}`, where, 'export default targets({ github: { runsOn: ["ubuntu-latest"] }, gitlab: { tags: [] } }) from "pipec"')],
    };
  }
  return { profile: evaluated.exports!.default as TargetProfileInput, diagnostics: [] };
}
