/**
 * The honesty rule as data: a plan field a target cannot carry is refused (`target-unsupported`,
 * an error: nothing is written) or approximated (`target-approximation`, a warning that names the
 * target, the feature and the job, at the author's line; `--strict` makes it an error).
 */
import { error, hasErrors, sortDiagnostics, warning, type Diagnostic } from "../../diagnostic.ts";
import type { Plan, SourceLocation } from "../../../runtime/plan/schema.ts";
import type { TargetName } from "../types.ts";

export interface Where {
  readonly job: string | null;
  readonly location: SourceLocation | null;
}

export class TargetDiagnostics {
  /** Problems by (code, place, feature, message): matrix expansions of one job report once, naming every job. */
  private readonly groups = new Map<string, { make: (jobs: readonly string[]) => Diagnostic; jobs: string[] }>();
  constructor(readonly target: TargetName) {}

  unsupported(where: Where, feature: string, message: string, hint?: string): void {
    this.add(where, feature, message, (jobs) => error("target-unsupported", this.text(jobs, feature, message), where.location, hint));
  }

  approximated(where: Where, feature: string, message: string, hint?: string): void {
    this.add(where, feature, message, (jobs) => warning("target-approximation", this.text(jobs, feature, message), where.location, hint));
  }

  collision(where: Where, message: string, hint: string): void {
    this.add(where, "job id", message, () => error("target-name-collision", `${this.target}: ${message}`, where.location, hint));
  }

  /** Sorted by place, so the same plan always reports in the same order. */
  get list(): Diagnostic[] {
    return sortDiagnostics([...this.groups.values()].map((group) => group.make(group.jobs)));
  }

  get failed(): boolean {
    return hasErrors(this.list);
  }

  private add(where: Where, feature: string, message: string, make: (jobs: readonly string[]) => Diagnostic): void {
    const key = JSON.stringify([make([]).code, where.location, feature, message]);
    const group = this.groups.get(key);
    if (group === undefined) this.groups.set(key, { make, jobs: where.job === null ? [] : [where.job] });
    else if (where.job !== null && !group.jobs.includes(where.job)) group.jobs.push(where.job);
  }

  private text(jobs: readonly string[], feature: string, message: string): string {
    const who = jobs.length === 0 ? "" : `job${jobs.length === 1 ? "" : "s"} ${jobs.map((job) => `"${job}"`).join(", ")}: `;
    return `${this.target}: ${who}${feature}: ${message}`;
  }
}

/** The place to point at for a job (its source), falling back to the pipeline's. */
export function jobWhere(plan: Plan, id: string): Where {
  return { job: id, location: plan.jobs[id]?.source ?? plan.source };
}

/** `--strict`: every approximation becomes an error. */
export function strictDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics.map((d) => (d.code === "target-approximation" ? { ...d, severity: "error" as const, hint: d.hint ?? "--strict refuses approximations; drop --strict to accept them" } : d));
}
