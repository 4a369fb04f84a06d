/** Targets: the same canonical plan as files for the engines teams already run. */
import type { Plan } from "../../runtime/plan/schema.ts";
import { strictDiagnostics } from "./common/diagnostics.ts";
import { emitArgo } from "./argo/emit.ts";
import { ARGO_FEATURES } from "./argo/features.ts";
import { emitGithub } from "./github/emit.ts";
import { GITHUB_FEATURES } from "./github/features.ts";
import { emitGitlab } from "./gitlab/emit.ts";
import { GITLAB_FEATURES } from "./gitlab/features.ts";
import { hasErrors } from "../diagnostic.ts";
import type { EmitOptions, EmitResult, Target, TargetName } from "./types.ts";

export const TARGETS: Readonly<Record<TargetName, Target>> = {
  github: { name: "github", title: "GitHub Actions", writes: "file", features: GITHUB_FEATURES, emit: emitGithub },
  gitlab: { name: "gitlab", title: "GitLab CI", writes: "file", features: GITLAB_FEATURES, emit: emitGitlab },
  argo: { name: "argo", title: "Argo Workflows + Rollouts", writes: "directory", features: ARGO_FEATURES, emit: emitArgo },
};

export interface EmitTargetOptions extends EmitOptions {
  /** Approximations become errors. @default false */
  readonly strict?: boolean;
}

/** Emits `plan` for `target`; with errors (or approximations under strict) there are no files. */
export function emitTarget(plan: Plan, target: TargetName, options: EmitTargetOptions): EmitResult {
  const result = TARGETS[target].emit(plan, options);
  if (!options.strict) return result;
  const diagnostics = strictDiagnostics(result.diagnostics);
  return { files: hasErrors(diagnostics) ? [] : result.files, diagnostics };
}

export { TARGET_NAMES, TargetProfileSchema, type Coverage, type EmitResult, type EmittedFile, type FeatureSupport, type Target, type TargetName, type TargetProfile, type TargetProfileInput } from "./types.ts";
export { readHeader } from "./common/yaml.ts";
export { coverageMarkdown } from "./coverage-table.ts";
export { loadTargetProfile } from "./profile.ts";
export { planFields } from "./common/plan-fields.ts";
