/**
 * Engine-only settings for `pipec build --target github|gitlab --profile pipec.targets.ts`: runner
 * labels and tags, which never enter the plan.
 *
 *   import { targets } from "pipec";
 *   export default targets({ github: { runsOn: ["ubuntu-24.04"] }, gitlab: { tags: ["docker"] } });
 */

/**
 * What `--profile` accepts: the input side of the compiler's TargetProfileSchema, written out so that
 * a pipeline's type-check does not load zod (test/dsl/types.test.ts holds the two equal).
 */
export interface TargetsProfile {
  readonly github?: {
    /** Runner label(s) for `runs-on`. @default ["ubuntu-latest"] */
    readonly runsOn?: string[] | undefined;
  } | undefined;
  readonly gitlab?: {
    /** Runner tags for every job. @default [] */
    readonly tags?: string[] | undefined;
  } | undefined;
}

/** Returns the profile as written; its type is what `--profile` accepts. */
export function targets(profile: TargetsProfile): TargetsProfile {
  return profile;
}
