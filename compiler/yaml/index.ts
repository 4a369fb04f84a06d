/**
 * The YAML front end: pipeline YAML to a Draft, or Diagnostics. It never throws on bad input and
 * reports every problem it can find in one go.
 *
 * Two dialects, told apart by content: a top-level `apiVersion: pipec/v1` is the canonical plan
 * (passed through); anything else is the authoring dialect of `authoring-schema.ts`.
 */
import { error, sortDiagnostics, type Diagnostic } from "../diagnostic.ts";
import { nearestEntry, type Draft, type PlanPath } from "../draft.ts";
import { labelPath, type FieldSpeller } from "../label.ts";
import { PLAN_API_VERSION, type SourceLocation } from "../../runtime/plan/schema.ts";
import { AuthoringPipelineSchema, type AuthoringPipeline } from "./authoring-schema.ts";
import { canonicalDraft } from "./canonical-plan.ts";
import { parseYaml, type LocatedDocument } from "./located-document.ts";
import { recordedOffset, type Recorded } from "./map-context.ts";
import { mapPipeline } from "./map-pipeline.ts";
import { repairAuthoring } from "./repair-authoring.ts";
import { describeValue, issuesToDiagnostics } from "./schema-issues.ts";
import { yamlSpeller } from "./spell-fields.ts";

export { AuthoringPipelineSchema } from "./authoring-schema.ts";
export type { AuthoringPipeline } from "./authoring-schema.ts";

export interface YamlLoadResult {
  /**
   * Null when the file could not be read as a pipeline at all; otherwise the draft of what could be
   * read, even beside errors, so validation finds the rest of the problems in the same run.
   */
  readonly draft: Draft | null;
  readonly diagnostics: Diagnostic[];
}

/** Parses pipeline YAML; `file` is the display path put in every location. */
export function loadYamlPipeline(text: string, file: string): YamlLoadResult {
  const top: SourceLocation = { file, line: 1, column: 1 };
  try {
    const { document, diagnostics } = parseYaml(text, file);
    if (!document) return finish(null, diagnostics);
    const value = document.value;
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      const message = `expected a mapping with name and jobs at the top of the file, got ${describeValue(value)}`;
      return finish(null, [...diagnostics, error("schema", message, document.node([]) ?? top)]);
    }
    const record = value as Record<string, unknown>;
    if (Object.hasOwn(record, "apiVersion")) {
      if (record["apiVersion"] === PLAN_API_VERSION) return finish(canonicalDraft(record, document, file), diagnostics);
      const message = `apiVersion: expected "${PLAN_API_VERSION}", got ${describeValue(record["apiVersion"])}`;
      const hint = "a file with apiVersion is a canonical plan; remove apiVersion to write the authoring dialect";
      return finish(null, [...diagnostics, error("schema", message, document.node(["apiVersion"]) ?? top, hint)]);
    }
    return finish(authoringDraft(record, document, file, diagnostics), diagnostics);
  } catch (cause) {
    // A bug of ours, not the author's: still a diagnostic, so a build reports it instead of crashing.
    return { draft: null, diagnostics: [error("load-failed", `internal error while reading YAML: ${String(cause)}`, top)] };
  }
}

function authoringDraft(value: Record<string, unknown>, document: LocatedDocument, file: string, diagnostics: Diagnostic[]): Draft | null {
  // Top-level `x-*` keys hold YAML anchors for reuse (the Docker Compose convention) and are ignored.
  const input = Object.fromEntries(Object.entries(value).filter(([key]) => !key.startsWith("x-")));
  const parsed = AuthoringPipelineSchema.safeParse(input);
  let data: AuthoringPipeline | null = parsed.success ? parsed.data : null;
  if (!parsed.success) {
    const isJobName = (issue: (typeof parsed.error.issues)[number]) => issue.code === "invalid_key" && issue.path.length === 2 && issue.path[0] === "jobs";
    // What could be read still goes through every check: all problems in one run. Without a bad job
    // name, the repair's schema (any job name) finds exactly these issues: it starts from them.
    const jobNames = parsed.error.issues.some(isJobName);
    data = repairAuthoring(input, jobNames ? undefined : parsed.error.issues);
    // A repaired document keeps a job with a bad name; validation of the plan names it, as for TypeScript.
    const issues = data === null ? parsed.error.issues : parsed.error.issues.filter((issue) => !isJobName(issue));
    diagnostics.push(...issuesToDiagnostics(issues, { schema: AuthoringPipelineSchema, document, file }));
  }
  if (!data) return null;
  // Mapping valid data is safe even after a duplicate key, and finds the problems only it can see.
  const table = new Map<string, Recorded>();
  const plan = mapPipeline(data, { file, document, diagnostics, table });
  const offsetOf = (entry: Recorded) => recordedOffset(document, entry);
  const locate = (path: PlanPath) => {
    const nearest = nearestEntry(table, path, offsetOf);
    return nearest ? document.at(nearest.entry) : { file, line: 1, column: 1 };
  };
  let spell: FieldSpeller | undefined;
  return { plan, locate, label: (path) => labelPath(plan, path, (spell ??= yamlSpeller(table, document))) };
}

function finish(draft: Draft | null, diagnostics: readonly Diagnostic[]): YamlLoadResult {
  const seen = new Set<string>();
  const unique = diagnostics.filter((d) => {
    const key = JSON.stringify([d.code, d.message, d.location]);
    return seen.has(key) ? false : (seen.add(key), true);
  });
  return { draft, diagnostics: sortDiagnostics(unique) };
}
