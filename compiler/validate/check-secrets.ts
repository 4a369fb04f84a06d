/** Secret values must never reach a plan: a literal value under a secret-like name is flagged. */
import type { EnvValue, Job, Plan } from "../../runtime/plan/schema.ts";
import { warning, type Diagnostic } from "../diagnostic.ts";
import type { Draft, PlanPath } from "../draft.ts";
import { labelOf } from "../label.ts";

const SECRET_LIKE = /(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_?KEY|CREDENTIALS?)$/i;

export function checkSecrets(plan: Pick<Plan, "env">, jobs: Readonly<Record<string, Job>>, draft: Draft): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const check = (env: Readonly<Record<string, EnvValue>>, path: PlanPath) => {
    for (const [name, value] of Object.entries(env)) {
      if (typeof value !== "string" || !SECRET_LIKE.test(name) || value === "" || value.includes("${")) continue;
      diagnostics.push(
        warning("secret-in-plan", `${labelOf(draft, [...path, name])}: a literal value that looks like a secret; it would be written into the plan`, draft.locate([...path, name]), `use secret("${name}") (YAML: { secret: ${name} }) and pass the value at run time`),
      );
    }
  };
  check(plan.env, ["env"]);
  for (const [id, job] of Object.entries(jobs)) {
    check(job.env, ["jobs", id, "env"]);
    job.steps.forEach((step, index) => check(step.env, ["jobs", id, "steps", index, "env"]));
  }
  return diagnostics;
}
