/** Quality gates name a metric the job's reports give (or read it from a JSON file), with "did you mean". */
import { didYouMean } from "../../runtime/plan/did-you-mean.ts";
import { REPORT_METRICS, type Job } from "../../runtime/plan/schema.ts";
import { error, type Diagnostic } from "../diagnostic.ts";
import type { Draft } from "../draft.ts";

export function checkGates(jobs: Readonly<Record<string, Job>>, draft: Draft): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const [id, job] of Object.entries(jobs)) {
    job.gates.forEach((gate, index) => {
      if (gate.file !== null) return;
      const at = draft.locate(["jobs", id, "gates", index]);
      if (!(REPORT_METRICS as readonly string[]).includes(gate.metric)) {
        const close = didYouMean(gate.metric, REPORT_METRICS);
        const message = `job "${job.name}": gate metric "${gate.metric}" is not a report metric${close === undefined ? "" : `. Did you mean "${close}"?`}`;
        diagnostics.push(error("unknown-metric", message, at, `report metrics: ${REPORT_METRICS.join(", ")}; or read a number from a JSON file the job writes with file: "<path>"`));
        return;
      }
      const kind = gate.metric.startsWith("tests.") ? "junit" : "coverage";
      if ((job.reports?.[kind].length ?? 0) === 0) {
        diagnostics.push(error("unknown-metric", `job "${job.name}": gate "${gate.metric}" reads a ${kind === "junit" ? "JUnit" : "coverage"} report, but the job has no reports.${kind}`, at, `add reports: { ${kind}: "<files>" } to the job`));
      }
    });
  }
  return diagnostics;
}
