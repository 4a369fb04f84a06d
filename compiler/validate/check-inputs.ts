/** Inputs: each names an existing job and one of its declared outputs. */
import { didYouMean } from "../../runtime/plan/did-you-mean.ts";
import type { Job } from "../../runtime/plan/schema.ts";
import { error, type Diagnostic } from "../diagnostic.ts";
import type { Draft } from "../draft.ts";
import { nameSuggester, type NameSuggester } from "./near-names.ts";

export function checkInputs(jobs: Readonly<Record<string, Job>>, draft: Draft): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  // Only an input from a missing job pays for the list of job ids (its "did you mean").
  let suggest: NameSuggester | undefined;
  for (const [id, job] of Object.entries(jobs)) {
    job.inputs.forEach((input, index) => {
      // At the reference itself (a YAML mapping's `from:` value, not its `{`), where a front end knows it.
      const where = (field: "job" | "output") => draft.locate(["jobs", id, "inputs", index, field]);
      const producer = jobs[input.job];
      if (!draft.plan.jobs[input.job]) {
        const guess = (suggest ??= nameSuggester(Object.keys(draft.plan.jobs ?? {})))(input.job);
        diagnostics.push(error("unknown-input-job", `job "${id}" takes an input from job "${input.job}", which does not exist.${guess ? ` Did you mean "${guess}"?` : ""}`, where("job")));
        return;
      }
      if (!producer || producer.outputs[input.output]) return;
      const outputs = Object.keys(producer.outputs);
      const guess = didYouMean(input.output, outputs);
      const hint = outputs.length === 0 ? `declare it: outputs: { ${input.output}: ... } on job "${input.job}"` : `job "${input.job}" declares: ${outputs.join(", ")}`;
      diagnostics.push(error("unknown-output", `job "${id}" takes output "${input.output}" of job "${input.job}", which declares no such output.${guess ? ` Did you mean "${guess}"?` : ""}`, where("output"), hint));
    });
  }
  return diagnostics;
}
