/**
 * Job ids per engine. A pipec id (`^[A-Za-z0-9][A-Za-z0-9_.-]*$`) is sanitised deterministically for
 * the engine's alphabet and reserved words; two pipec ids that land on the same engine id are an
 * error (`target-name-collision`) rather than a silent merge.
 */
import type { Plan } from "../../../runtime/plan/schema.ts";
import { jobWhere, type TargetDiagnostics } from "./diagnostics.ts";

export type Sanitise = (id: string) => string;

/** GitHub job ids start with a letter or `_` and hold only letters, digits, `_` and `-`. */
export const githubJobId: Sanitise = (id) => {
  const clean = id.replace(/[^A-Za-z0-9_-]/g, "_");
  return /^[A-Za-z_]/.test(clean) ? clean : `_${clean}`;
};

/** Top-level keys of `.gitlab-ci.yml` that are not jobs; a pipec job named like one is renamed `<id>-job`. */
export const GITLAB_RESERVED = ["image", "services", "stages", "types", "before_script", "after_script", "variables", "cache", "include", "default", "workflow", "spec", "pages"] as const;

export const gitlabJobId: Sanitise = (id) => ((GITLAB_RESERVED as readonly string[]).includes(id) ? `${id}-job` : id);

/** Argo task and template names: lower-case letters, digits and '-', starting with a letter or digit (pod names derive from them). */
export const argoName: Sanitise = (id) => id.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+/, "") || "job";

const ALPHABET: Readonly<Record<string, string>> = {
  github: "use letters, digits, '_' and '-', starting with a letter or '_'",
  gitlab: "cannot be GitLab keywords",
  argo: "are lower-case letters, digits and '-'",
};

/** Engine ids by pipec id, in the plan's (sorted) order; collisions are reported and leave the map partial. */
export function engineIds(plan: Plan, sanitise: Sanitise, diagnostics: TargetDiagnostics): Map<string, string> {
  const ids = new Map<string, string>();
  const owner = new Map<string, string>();
  for (const id of Object.keys(plan.jobs)) {
    const engineId = sanitise(id);
    const first = owner.get(engineId);
    if (first !== undefined) {
      diagnostics.collision(
        jobWhere(plan, id),
        `jobs "${first}" and "${id}" both become job id "${engineId}"`,
        `rename one of them; ${diagnostics.target} job ids ${ALPHABET[diagnostics.target]}`,
      );
      continue;
    }
    owner.set(engineId, id);
    ids.set(id, engineId);
  }
  return ids;
}
