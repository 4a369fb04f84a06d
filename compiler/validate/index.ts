/**
 * Validation: the schema, then every semantic pass, all problems collected in one run. Semantic passes
 * run on the jobs that passed the schema, and the graph checks read the draft directly, so a bad
 * timeout does not hide a cycle.
 */
import { JobSchema, PlanSchema, type Job, type Plan } from "../../runtime/plan/schema.ts";
import { dedupeDiagnostics, hasErrors, sortDiagnostics, type Diagnostic } from "../diagnostic.ts";
import type { Draft } from "../draft.ts";
import { canonicalize } from "../canonical.ts";
import { checkDeployments } from "./check-deployments.ts";
import { checkExpressions } from "./check-expressions.ts";
import { checkGraph } from "./check-graph.ts";
import { checkImages } from "./check-images.ts";
import { checkInputs } from "./check-inputs.ts";
import { checkPaths } from "./check-paths.ts";
import { checkSecrets } from "./check-secrets.ts";
import { checkVariables } from "./check-variables.ts";
import { schemaDiagnostics } from "./schema-diagnostics.ts";

export interface Validated {
  /** The canonical plan, or null when there is any error. */
  readonly plan: Plan | null;
  /** Errors and warnings, sorted by location. */
  readonly diagnostics: Diagnostic[];
}

export function validateDraft(draft: Draft): Validated {
  const diagnostics: Diagnostic[] = [];
  const parsed = PlanSchema.safeParse(draft.plan, { reportInput: true });
  let plan: Plan;
  if (parsed.success) {
    plan = parsed.data;
  } else {
    diagnostics.push(...schemaDiagnostics(parsed.error.issues, draft));
    plan = partialPlan(draft);
  }
  diagnostics.push(
    ...checkGraph(draft),
    ...checkInputs(plan.jobs, draft),
    ...checkExpressions(plan, plan.jobs, draft),
    ...checkVariables(plan, plan.jobs, draft),
    ...checkImages(plan.jobs, draft),
    ...checkPaths(plan.jobs, draft),
    ...checkDeployments(plan.jobs, draft),
    ...checkSecrets(plan, plan.jobs, draft),
  );
  const sorted = sortDiagnostics(dedupeDiagnostics(diagnostics));
  return { plan: parsed.success && !hasErrors(sorted) ? canonicalize(plan) : null, diagnostics: sorted };
}

/**
 * The parts of an invalid draft that are valid on their own, for the semantic passes: each job is
 * parsed without the fields the schema rejected, so one bad timeout does not hide a bad image.
 */
function partialPlan(draft: Draft): Plan {
  const jobs: Record<string, Job> = {};
  for (const [id, job] of Object.entries(draft.plan.jobs ?? {})) {
    let candidate: Record<string, unknown> = typeof job === "object" && job !== null ? { ...job } : {};
    for (let attempt = 0; attempt < 3; attempt++) {
      const parsed = JobSchema.safeParse(candidate);
      if (parsed.success) {
        jobs[id] = parsed.data;
        break;
      }
      const bad = new Set(parsed.error.issues.map((issue) => issue.path[0]).filter((key) => typeof key === "string"));
      if (bad.size === 0) break;
      candidate = Object.fromEntries(Object.entries(candidate).filter(([key]) => !bad.has(key) || REQUIRED_JOB_FIELDS.has(key)));
      if (bad.has("name")) candidate.name = id;
    }
  }
  const top = PlanSchema.safeParse({ ...draft.plan, jobs: {} });
  const base = top.success ? top.data : PlanSchema.parse({ name: "invalid", jobs: {} });
  return { ...base, jobs };
}

const REQUIRED_JOB_FIELDS = new Set(["name"]);
