/**
 * Validation: the schema, then every semantic pass, all problems collected in one run. Semantic passes
 * run on the jobs that passed the schema, and the graph checks read the draft directly, so a bad
 * timeout does not hide a cycle.
 */
import { PlanSchema, type Plan } from "../../runtime/plan/schema.ts";
import { dedupeDiagnostics, hasErrors, sortDiagnostics, type Diagnostic } from "../diagnostic.ts";
import type { Draft } from "../draft.ts";
import { canonicalize } from "../canonical.ts";
import { checkDeployments } from "./check-deployments.ts";
import { checkExpressions } from "./check-expressions.ts";
import { checkGates } from "./check-gates.ts";
import { checkDelivery } from "./check-delivery.ts";
import { checkGraph } from "./check-graph.ts";
import { checkImages } from "./check-images.ts";
import { checkInputs } from "./check-inputs.ts";
import { checkPaths } from "./check-paths.ts";
import { checkScripts } from "./check-scripts.ts";
import { checkSecrets } from "./check-secrets.ts";
import { checkVariables } from "./check-variables.ts";
import { partialPlan } from "./partial-plan.ts";
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
    ...checkScripts(plan, plan.jobs, draft),
    ...checkGates(plan.jobs, draft),
    ...checkDelivery(plan, draft),
  );
  const sorted = sortDiagnostics(dedupeDiagnostics(diagnostics));
  return { plan: parsed.success && !hasErrors(sorted) ? canonicalize(plan) : null, diagnostics: sorted };
}
