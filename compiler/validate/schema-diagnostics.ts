/** zod issues as diagnostics: the field in the author's words (`job "build": retry`), the author's location, plain words. */
import type { z } from "zod";
import { error, type Diagnostic } from "../diagnostic.ts";
import type { Draft, PlanPath } from "../draft.ts";
import { labelOf } from "../label.ts";
import { formatInUnit, planUnitOf, type PlanUnit } from "../plan-units.ts";

export { formatPath } from "../label.ts";

export function schemaDiagnostics(issues: readonly z.core.$ZodIssue[], draft: Draft, prefix: PlanPath = []): Diagnostic[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...(issue.path as (string | number)[])];
    const where = draft.locate(path);
    const field = labelOf(draft, path);
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => error("unknown-field", `${field}: unknown field "${key}"`, draft.locate([...path, key]), "remove it, or check its spelling against the pipec schema (pipec schema)"));
    }
    if (issue.code === "invalid_union" && "errors" in issue && Array.isArray(issue.errors) && issue.errors.length > 0) {
      const best = [...issue.errors].sort((a, b) => a.length - b.length)[0]!;
      return schemaDiagnostics(best, draft, path);
    }
    if (issue.code === "invalid_key") {
      // The YAML front end's words for the same mistake: `pipeline: jobs: "test suite" is not an allowed name: ...`.
      const inner = issue.issues[0]?.message ?? "not an allowed name";
      return [error("schema", `${labelOf(draft, path.slice(0, -1))}: ${JSON.stringify(String(path[path.length - 1]))} is not an allowed name: ${inner}`, where)];
    }
    const numeric = (issue.code === "too_small" || issue.code === "too_big") && (issue.origin === "number" || issue.origin === "int" || issue.origin === "bigint");
    return [error(numeric ? "out-of-range" : "schema", `${field}: ${plainMessage(issue, authorUnit(path, field))}`, where)];
  });
}

/**
 * The unit to show a plan number in: the author's (`timeout: must be at least 1s`) when the label
 * names the field in the author's words, the plan's own when it names the plan field (`timeoutMs`,
 * a canonical plan file, where the author wrote milliseconds).
 */
function authorUnit(path: PlanPath, field: string): PlanUnit | null {
  const unit = planUnitOf(path);
  return unit !== null && !field.endsWith(String(path[path.length - 1])) ? unit : null;
}

function plainMessage(issue: z.core.$ZodIssue, unit: PlanUnit | null): string {
  const number = (value: unknown) => (unit !== null && typeof value === "number" ? formatInUnit(value, unit) : String(value));
  const describe = (value: unknown) => (unit !== null && typeof value === "number" ? formatInUnit(value, unit) : describeValue(value));
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined ? `is required (expected ${issue.expected})` : `expected ${issue.expected}, got ${describe(issue.input)}`;
    case "too_small":
      // As the YAML front end says it: a count or a size that cannot be negative.
      if (unit === null && issue.origin !== "array" && issue.origin !== "string" && Number(issue.minimum) === 0) return `${issue.inclusive === false ? "must be more than 0" : "must not be negative"}, got ${describe(issue.input)}`;
      return `must be at least ${number(issue.minimum)}${issue.origin === "array" ? " items" : issue.origin === "string" ? " characters" : ""}, got ${describe(issue.input)}`;
    case "too_big":
      return `must be at most ${number(issue.maximum)}${issue.origin === "array" ? " items" : ""}, got ${describe(issue.input)}`;
    case "invalid_value":
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${describe(issue.input)}`;
    default:
      return issue.message;
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  return typeof value === "object" ? "an object" : String(value);
}
