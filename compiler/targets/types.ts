/**
 * What every target emitter shares: its profile (engine-only settings that never enter the plan),
 * the files it produces and the diagnostics it raises. An emitter is a pure function of the
 * canonical plan and the profile.
 */
import { z } from "zod";
import type { Diagnostic } from "../diagnostic.ts";
import type { Plan } from "../../runtime/plan/schema.ts";

export const TARGET_NAMES = ["github", "gitlab"] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

/** Engine-only settings: flags of `pipec build --target`, never part of the plan. */
export const TargetProfileSchema = z
  .object({
    github: z
      .object({
        /** Runner label(s) for `runs-on`. @default ["ubuntu-latest"] */
        runsOn: z.array(z.string().min(1)).min(1).default(["ubuntu-latest"]),
      })
      .strict()
      .prefault({}),
    gitlab: z
      .object({
        /** Runner tags for every job. @default [] */
        tags: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type TargetProfile = z.output<typeof TargetProfileSchema>;
export type TargetProfileInput = z.input<typeof TargetProfileSchema>;

export interface EmitOptions {
  readonly profile: TargetProfile;
  /** The pipec version written in the header; `--check` compares it. */
  readonly pipecVersion: string;
}

export interface EmittedFile {
  /** Where the file goes by default, relative to the project (`-o` replaces it). */
  readonly path: string;
  readonly content: string;
}

export interface EmitResult {
  /** Empty when a diagnostic is an error: nothing is written then. */
  readonly files: readonly EmittedFile[];
  readonly diagnostics: readonly Diagnostic[];
}

/** How a plan field reaches a target. */
export type Coverage = "exact" | "lowered" | "approximated" | "refused";

export interface FeatureSupport {
  readonly coverage: Coverage;
  /** How: the engine construct, the lowering, or what is lost. */
  readonly note: string;
}

export interface Target {
  readonly name: TargetName;
  readonly title: string;
  /** One entry per plan field (`job.retry.max`, ...); a unit test holds it complete. */
  readonly features: Readonly<Record<string, FeatureSupport>>;
  emit(plan: Plan, options: EmitOptions): EmitResult;
}
